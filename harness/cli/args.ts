import type { Options } from 'yargs';
import { PROFILE_NAMES } from '../../fixtures/profiles.js';
import { SCENARIO_NAMES } from '../../scenarios/index.js';
import { IMPLEMENTATION_NAMES, INJECTED_REGRESSION_NAMES } from '../../src/impl/registry.js';
import { parsePgUrl } from '../db/pg-url.js';
import { UsageError } from '../errors.js';

/** Options shared by every command that opens a database. */
export const databaseOptions = {
  profile: { type: 'string', choices: PROFILE_NAMES, default: 'default', describe: 'fixture profile' },
  seed: { type: 'number', default: 42, requiresArg: true, describe: 'fixture seed (a non-negative integer)' },
  'pg-url': { type: 'string', requiresArg: true, describe: 'external Postgres URL (default: $DATABASE_URL, else an embedded server)' },
  'sqlite-file': { type: 'string', requiresArg: true, describe: 'SQLite fixture file (default: in the cache folder)' },
} as const satisfies Record<string, Options>;

export const runOptions = {
  ...databaseOptions,
  db: { type: 'string', choices: ['sqlite', 'postgres', 'all'], default: 'all', describe: 'databases to run on' },
  impl: {
    type: 'string',
    choices: [...IMPLEMENTATION_NAMES, 'all', ...INJECTED_REGRESSION_NAMES],
    default: 'fixed',
    describe: 'implementation under test (the baseline always runs beside it, for comparison); all: every implementation, gates on fixed',
  },
  scenario: { type: 'string', array: true, requiresArg: true, choices: SCENARIO_NAMES, describe: 'scenarios to run (default: all default scenarios)' },
  out: { type: 'string', default: 'reports/out/latest', requiresArg: true, describe: 'folder for result.json, report.md, junit.xml' },
  quick: { type: 'boolean', default: false, describe: 'fewer samples: the whole default run in under 30 s' },
  samples: { type: 'number', requiresArg: true, describe: 'timed samples per implementation and scenario (default 300, quick 60)' },
  'p95-ms': { type: 'number', requiresArg: true, default: 200, describe: 'threshold of the p95 gate, ms' },
  'max-queries': { type: 'number', requiresArg: true, default: 5, describe: 'threshold of the query gate, statements per request' },
  'detail-tolerance': { type: 'number', requiresArg: true, default: 10, describe: 'detail p95 may exceed the baseline by this many % before it fails' },
  plans: { type: 'boolean', default: true, describe: 'EXPLAIN every distinct statement of the implementation under test' },
  'update-snapshots': { type: 'boolean', default: false, describe: 'rewrite the query snapshots (scenarios/snapshots/) from this run; review the diff' },
  'full-scan-rows': { type: 'number', requiresArg: true, default: 1000, describe: 'no-new-full-scan: tables read in full count above this many rows' },
  'attach-note': { type: 'boolean', default: false, describe: 'attach report.md to HEAD as a git note (refs/notes/querygate)' },
  concurrency: { type: 'number', requiresArg: true, default: 1, describe: 'requests in flight at once through the connection pool' },
  rtt: { type: 'number', requiresArg: true, describe: 'Postgres only: add this network round trip (ms) through a delaying TCP proxy' },
} as const satisfies Record<string, Options>;

export const seedOptions = {
  ...databaseOptions,
  db: { type: 'string', choices: ['sqlite', 'postgres'], demandOption: true, describe: 'database to seed' },
  rebuild: { type: 'boolean', default: false, describe: 'rebuild even when a matching fixture exists' },
} as const satisfies Record<string, Options>;

export const serveOptions = {
  ...databaseOptions,
  db: { type: 'string', choices: ['sqlite', 'postgres'], demandOption: true, describe: 'database to serve from' },
  impl: { type: 'string', choices: IMPLEMENTATION_NAMES, default: 'fixed', describe: 'implementation to serve' },
  port: { type: 'number', requiresArg: true, default: 8080, describe: 'port on 127.0.0.1 (0: any free port)' },
} as const satisfies Record<string, Options>;

/** The parts of parsed arguments that `check` reads. */
export interface CheckedArgs {
  seed?: number | undefined;
  'pg-url'?: string | undefined;
  samples?: number | undefined;
  port?: number | undefined;
  'p95-ms'?: number | undefined;
  'max-queries'?: number | undefined;
  'full-scan-rows'?: number | undefined;
  'detail-tolerance'?: number | undefined;
  'sqlite-file'?: string | undefined;
  db?: string | undefined;
  concurrency?: number | undefined;
  rtt?: number | undefined;
  scenario?: string[] | undefined;
}

/**
 * Checks what yargs cannot: numbers in range, URLs that parse, flags that contradict each other.
 * Returns true or throws a UsageError whose one line names the flag, what is accepted, and an example.
 */
export function check(argv: CheckedArgs): true {
  const integer = (flag: keyof CheckedArgs, min: number, max: number, example: string) => {
    const value = argv[flag];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got ${shown(value)} (e.g. ${example})`);
    }
  };
  integer('seed', 0, 2 ** 31 - 1, '--seed 42');
  integer('samples', 5, 100_000, '--samples 300');
  integer('port', 0, 65_535, '--port 8080');
  integer('max-queries', 0, 10_000, '--max-queries 5');
  integer('full-scan-rows', 0, 1_000_000_000, '--full-scan-rows 1000');
  integer('concurrency', 1, 256, '--concurrency 8');
  if (argv.rtt !== undefined && (typeof argv.rtt !== 'number' || !Number.isFinite(argv.rtt) || argv.rtt < 0 || argv.rtt > 10_000)) {
    throw new UsageError(`--rtt must be a round trip in ms from 0 to 10000, got ${shown(argv.rtt)} (e.g. --rtt 1)`);
  }
  if (argv.rtt !== undefined && argv.db === 'sqlite') {
    throw new UsageError('--rtt applies to Postgres (a network database); use --db postgres or all');
  }
  const positive = (flag: keyof CheckedArgs, example: string) => {
    const value = argv[flag];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw new UsageError(`--${flag} must be a positive number, got ${shown(value)} (e.g. ${example})`);
    }
  };
  positive('p95-ms', '--p95-ms 200');
  positive('detail-tolerance', '--detail-tolerance 10');
  if (argv.scenario !== undefined && argv.scenario.length === 0) {
    throw new UsageError(`--scenario needs at least one name: ${SCENARIO_NAMES.join(', ')} (e.g. --scenario list-50)`);
  }
  if (argv['pg-url'] !== undefined) {
    try {
      parsePgUrl(argv['pg-url']);
    } catch (error) {
      // parsePgUrl's message shows the URL only redacted.
      throw new UsageError(`--pg-url: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (argv['sqlite-file'] !== undefined && argv.db === 'postgres') {
    throw new UsageError('--sqlite-file was given with --db postgres; it only applies to --db sqlite or all');
  }
  return true;
}

/** yargs turns a number flag that does not parse into NaN: say so rather than print NaN. */
const shown = (value: unknown): string => (typeof value === 'number' && Number.isNaN(value) ? 'something that is not a number' : String(value));
