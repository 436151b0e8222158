import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { redactSecretsInText } from '../db/pg-url.js';
import { EnvironmentError, UsageError } from '../core/errors.js';
import { EXIT, exitCodeOfError } from './exit-codes.js';
import { COMMANDS, USAGE_STRINGS, usageMessage } from './usage-message.js';
import { check as checkArgs, checkCompare as checkCompareArgs, checkHistory, compareOptions, historyOptions, mergeOptions, runOptions, seedOptions, serveOptions } from './args.js';

// Commands load on use: bad usage is answered before the runner, knex and the drivers are imported.
const load = {
  run: async () => (await import('./run-command.js')).runCommand,
  seed: async () => (await import('./seed-command.js')).seedCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
  compare: async () => (await import('./result-commands.js')).compareCommand,
  report: async () => (await import('./result-commands.js')).reportCommand,
  merge: async () => (await import('./merge-command.js')).mergeCommand,
  history: async () => (await import('./history-command.js')).historyCommand,
  compareBase: async () => (await import('./compare-base-command.js')).compareBaseCommand,
  comment: async () => (await import('./comment-command.js')).commentCommand,
};


const verbose = process.argv.includes('--verbose');

/** One line on stderr (plus a hint line), the stack only with --verbose, then the exit code. */
function fail(error: unknown, hint?: string): never {
  const message = error instanceof Error ? error.message : String(error);
  const code = exitCodeOfError(error);
  const prefix = code === EXIT.usage ? 'querygate: error:' : 'querygate: environment failure:';
  process.stderr.write(`${prefix} ${redactSecretsInText(message.split('\n')[0] ?? '')}\n`);
  const shownHint = error instanceof EnvironmentError && error.hint !== undefined ? error.hint : hint;
  if (shownHint !== undefined) process.stderr.write(`hint: ${redactSecretsInText(shownHint)}\n`);
  if (verbose && error instanceof Error && error.stack !== undefined) process.stderr.write(`${redactSecretsInText(error.stack)}\n`);
  process.exit(code);
}

/** check() with whatever it throws counted as bad usage (exit 2), never as an environment failure. */
function check(argv: Parameters<typeof checkArgs>[0]): true {
  try {
    return checkArgs(argv);
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function asUsage(check: () => true): true {
  try {
    return check();
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const checkCompare = (argv: Parameters<typeof checkCompareArgs>[0]): true => asUsage(() => checkCompareArgs(argv));


/** The commands that read results: merge, history, report and comment. */
function withResultCommands(argv: Argv): Argv {
  return argv
    .command(
      'merge <results..>',
      'join the results of sharded runs (run --shard K/N, or one job per database) into one result, judged again',
      (y) => y.positional('results', { type: 'string', array: true, demandOption: true, describe: 'result.json files of the parts' }).options(mergeOptions),
      async (argv) => {
        process.exitCode = await (await load.merge())({ results: argv.results ?? [], out: argv.out });
      },
    )
    .command(
      'history [range]',
      'the implementation under test commit by commit from the result notes, with change points',
      (y) =>
        y
          .positional('range', { type: 'string', describe: 'a revision (its last --max-count first-parent commits) or A..B; default HEAD' })
          .options(historyOptions)
          .check((argv) => asUsage(() => checkHistory(argv))),
      async (argv) => {
        process.exitCode = await (await load.history())(argv);
      },
    )
    .command(
      'report <result>',
      'render a saved result again',
      (y) =>
        y
          .positional('result', { type: 'string', demandOption: true, describe: 'a result.json' })
          .options({ format: { type: 'string', choices: ['md', 'summary', 'junit', 'json'], default: 'md', describe: 'md: the full report; summary: its first screen, under 20,000 characters (a comment, a step summary)' } }),
      async (argv) => {
        process.exitCode = await (await load.report())(argv);
      },
    )
    .command(
      'comment <result>',
      'post the summary of a result as one pull-request comment, updated in place (GITHUB_TOKEN from the environment)',
      (y) =>
        y.positional('result', { type: 'string', demandOption: true, describe: 'a result.json' }).options({
          pr: { type: 'number', requiresArg: true, describe: 'pull request number (default: the pull_request event in GITHUB_EVENT_PATH)' },
          repo: { type: 'string', requiresArg: true, describe: 'OWNER/NAME (default: $GITHUB_REPOSITORY)' },
          'report-url': { type: 'string', requiresArg: true, describe: 'link to the full report (the run\'s artifact)' },
          'head-sha': { type: 'string', requiresArg: true, describe: 'refuse unless the pull request is at this commit (commenting a fork\'s run from workflow_run)' },
        }),
      async (argv) => {
        process.exitCode = await (await load.comment())(argv);
      },
    );
}

function commandLine(): Argv {
  return withResultCommands(yargs(hideBin(process.argv))
    .updateStrings(USAGE_STRINGS as Record<string, string>)
    .scriptName('querygate')
    .usage('$0 <command> [options]\n\nBenchmark and regression gates for the artifact list endpoint, on SQLite and Postgres.')
    .command('run', 'measure the scenarios and judge the gates (the CI job)', (y) => y.options(runOptions).check(check), async (argv) => {
      process.exitCode = await (await load.run())(argv);
    })
    .command('seed', 'seed or reuse a fixture database and print its checksum', (y) => y.options(seedOptions).check(check), async (argv) => {
      process.exitCode = await (await load.seed())(argv);
    })
    .command('serve', 'serve the endpoint over HTTP on 127.0.0.1', (y) => y.options(serveOptions).check(check), async (argv) => {
      process.exitCode = await (await load.serve())({ ...argv, 'log-level': (argv as { 'log-level'?: string })['log-level'] ?? 'warn' });
    })
    .command(
      'compare [before] [after]',
      'compare two result files, or --base REF\'s result note with a result; exit 1 on a regression',
      (y) =>
        y
          .positional('before', { type: 'string', describe: 'result.json of the base (e.g. main); with --base: the after side' })
          .positional('after', { type: 'string', describe: 'result.json of the change' })
          .options(compareOptions)
          .check((argv) => checkCompare(argv)),
      async (argv) => {
        if (argv.base !== undefined) process.exitCode = await (await load.compareBase())({ ...argv, base: argv.base });
        else process.exitCode = await (await load.compare())({ ...argv, before: argv.before ?? '', after: argv.after ?? '' });
      },
    ))
    .options({
      verbose: { type: 'boolean', default: false, describe: 'show stack traces' },
      'log-level': { type: 'string', choices: ['debug', 'info', 'warn', 'error', 'silent'], default: 'warn', describe: 'log level of the served endpoint' },
    })
    .demandCommand(1, 'name a command: run, seed, serve, compare, report, comment, merge or history')
    .strict()
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      // yargs' own validation errors (YError) are bad usage; anything else was thrown by a command.
      if (error !== undefined && error !== null && error.name !== 'YError') fail(error);
      const args = hideBin(process.argv);
      const command = args.find((a) => !a.startsWith('-'));
      const known = command !== undefined && (COMMANDS as readonly string[]).includes(command);
      fail(new UsageError(usageMessage(message ?? 'bad usage', args)), `querygate ${known ? `${command} ` : ''}--help lists what is accepted`);
    });
}

// Node's default for these is a stack trace and exit 1, which would read as "a gate failed".
process.on('uncaughtException', (error) => fail(error));
process.on('unhandledRejection', (error) => fail(error));

try {
  await commandLine().parseAsync();
} catch (error) {
  fail(error);
}
