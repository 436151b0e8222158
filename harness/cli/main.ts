import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { FixtureRefusedError } from '../db/fixture-refused-error.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { check, runOptions, seedOptions, serveOptions } from './args.js';
import { compareCommand, reportCommand } from './result-commands.js';
import { runCommand } from './run-command.js';
import { seedCommand } from './seed-command.js';
import { serveCommand } from './serve-command.js';

/** Exit codes: the one place that decides them. */
export const EXIT = { pass: 0, gateFailed: 1, usage: 2, environment: 3 } as const;

const verbose = process.argv.includes('--verbose');

function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof FixtureRefusedError || (error as Error | null)?.name === 'ResultFileError') return EXIT.usage;
  return EXIT.environment;
}

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  const code = exitCodeOf(error);
  const prefix = code === EXIT.usage ? 'querygate: error:' : 'querygate: environment failure:';
  process.stderr.write(`${prefix} ${message.split('\n')[0]}\n`);
  if (error instanceof EnvironmentError && error.hint !== undefined) process.stderr.write(`hint: ${error.hint}\n`);
  if (verbose && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  process.exit(code);
}

function commandLine(): Argv {
  return yargs(hideBin(process.argv))
    .scriptName('querygate')
    .usage('$0 <command> [options]\n\nBenchmark and regression gates for the artifact list endpoint, on SQLite and Postgres.')
    .command('run', 'measure the scenarios and judge the gates (the CI job)', (y) => y.options(runOptions).check(check), async (argv) => {
      process.exitCode = await runCommand(argv);
    })
    .command('seed', 'seed or reuse a fixture database and print its checksum', (y) => y.options(seedOptions).check(check), async (argv) => {
      process.exitCode = await seedCommand(argv);
    })
    .command('serve', 'serve the endpoint over HTTP on 127.0.0.1', (y) => y.options(serveOptions).check(check), async (argv) => {
      process.exitCode = await serveCommand({ ...argv, 'log-level': (argv as { 'log-level'?: string })['log-level'] ?? 'warn' });
    })
    .command(
      'compare <before> <after>',
      'compare two result files; exit 1 on a regression',
      (y) =>
        y
          .positional('before', { type: 'string', demandOption: true, describe: 'result.json of the base (e.g. main)' })
          .positional('after', { type: 'string', demandOption: true, describe: 'result.json of the change' })
          .options({
            out: { type: 'string', describe: 'write the markdown comparison here' },
            threshold: { type: 'string', default: '10%', describe: 'latency change that counts, e.g. 10%' },
          }),
      async (argv) => {
        process.exitCode = await compareCommand(argv);
      },
    )
    .command(
      'report <result>',
      'render a saved result again',
      (y) =>
        y
          .positional('result', { type: 'string', demandOption: true, describe: 'a result.json' })
          .options({ format: { type: 'string', choices: ['md', 'junit', 'json'], default: 'md' } }),
      async (argv) => {
        process.exitCode = await reportCommand(argv);
      },
    )
    .options({
      verbose: { type: 'boolean', default: false, describe: 'show stack traces' },
      'log-level': { type: 'string', choices: ['debug', 'info', 'warn', 'error', 'silent'], default: 'warn', describe: 'log level of the served endpoint' },
    })
    .demandCommand(1, 'name a command: run, seed, serve, compare or report')
    .strict()
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error, y) => {
      if (error !== undefined && error !== null) fail(error);
      process.stderr.write(`querygate: error: ${message}\n(run querygate --help for usage)\n`);
      void y;
      process.exit(EXIT.usage);
    });
}

try {
  await commandLine().parseAsync();
} catch (error) {
  fail(error);
}
