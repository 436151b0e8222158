import type { Options } from 'yargs';
import { PROFILE_NAMES } from '../../fixtures/profiles.js';
import { SCENARIO_NAMES } from '../../scenarios/index.js';
import { IMPLEMENTATION_NAMES } from '../../src/http/routes.js';
import { INJECTED_REGRESSION_NAMES } from '../bench/injected-regressions.js';
import { parsePgUrl } from '../db/pg-url.js';
import { UsageError } from '../core/errors.js';
import { COMPARE_THRESHOLD, FIXTURE_PROFILE, FIXTURE_SEED, MIN_EFFECT, OUT_DIR, PAIRED_CONFIDENCE, SERVE_PORT } from '../core/defaults.js';
import { DEFAULT_HISTORY_OPTIONS } from '../judge/history.js';
import { DEFAULT_HISTORY_DEPTH } from './read-history.js';
import { DEFAULT_THRESHOLDS } from '../../scenarios/thresholds.js';
import { AGAINST_BUDGETS, DEFAULT_SAMPLING, MDE_TARGET, QUICK_SAMPLING } from '../runner/sampling-options.js';
import { parseShard } from '../runner/shard.js';

/** Options shared by every command that opens a database. */
export const databaseOptions = {
  profile: { type: 'string', choices: PROFILE_NAMES, default: FIXTURE_PROFILE, describe: 'fixture profile' },
  seed: { type: 'number', default: FIXTURE_SEED, requiresArg: true, describe: 'fixture seed (a non-negative integer)' },
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
  out: { type: 'string', default: OUT_DIR, requiresArg: true, describe: 'folder for result.json, report.md, junit.xml' },
  quick: { type: 'boolean', default: false, describe: 'fewer samples: the whole default run in under 30 s' },
  samples: { type: 'number', requiresArg: true, describe: `cap of timed samples per judged implementation and scenario (default ${DEFAULT_SAMPLING.maxSamples}, quick ${QUICK_SAMPLING.maxSamples})` },
  'p95-ms': { type: 'number', requiresArg: true, default: DEFAULT_THRESHOLDS.p95Ms, describe: 'threshold of the p95 gate, ms' },
  'max-queries': { type: 'number', requiresArg: true, default: DEFAULT_THRESHOLDS.maxQueries, describe: 'threshold of the query gate, statements per request' },
  'detail-tolerance': { type: 'number', requiresArg: true, default: DEFAULT_THRESHOLDS.detailTolerancePct, describe: 'detail p95 may exceed the baseline by this many % before it fails' },
  plans: { type: 'boolean', default: true, describe: 'EXPLAIN every distinct statement of the implementation under test' },
  'update-snapshots': { type: 'boolean', default: false, describe: 'rewrite the query snapshots (scenarios/snapshots/) from this run; review the diff' },
  'accept-full-scan': {
    type: 'string',
    array: true,
    requiresArg: true,
    describe: 'with --update-snapshots: newly accept the full scans of this table, after review (never in CI); others stay failures',
  },
  'full-scan-rows': { type: 'number', requiresArg: true, default: DEFAULT_THRESHOLDS.fullScanRows, describe: 'no-new-full-scan: tables read in full count above this many rows' },
  'attach-note': { type: 'boolean', default: false, describe: 'attach report.md (refs/notes/querygate) and the result (refs/notes/querygate-results) to HEAD as git notes' },
  against: {
    type: 'string',
    requiresArg: true,
    describe: 'also measure the implementation under test as it is at this git revision (main, origin/main, a sha, HEAD~3), side by side, and fail on a slowdown or more statements',
  },
  'min-effect': { type: 'number', requiresArg: true, default: MIN_EFFECT * 100, describe: `with --against: the smallest slowdown (%) that fails, judged on the ${PAIRED_CONFIDENCE * 100}% interval` },
  mde: {
    type: 'number',
    requiresArg: true,
    describe: `with --against: sample until the smallest slowdown (%) the verdict would detect (95% power) is this small, or --max-time (default ${MDE_TARGET * 100}, or --min-effect + 1 when larger)`,
  },
  'max-time': {
    type: 'number',
    requiresArg: true,
    describe: `with --against: the most seconds of timed rounds per scenario and database (default ${(AGAINST_BUDGETS * DEFAULT_SAMPLING.budgetMs) / 1000}, quick ${(AGAINST_BUDGETS * QUICK_SAMPLING.budgetMs) / 1000}); the report says when --mde was not reached`,
  },
  concurrency: { type: 'number', requiresArg: true, default: DEFAULT_SAMPLING.concurrency, describe: 'requests in flight at once through the connection pool' },
  rtt: { type: 'number', requiresArg: true, describe: 'Postgres only: add this network round trip (ms) through a delaying TCP proxy' },
  shard: {
    type: 'string',
    requiresArg: true,
    describe: 'measure only part K of N of the (database x scenario) list, e.g. 1/2; join the parts with querygate merge',
  },
} as const satisfies Record<string, Options>;

export const mergeOptions = {
  out: { type: 'string', default: OUT_DIR, requiresArg: true, describe: 'folder for the merged result.json, report.md, junit.xml' },
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
  port: { type: 'number', requiresArg: true, default: SERVE_PORT, describe: 'port on 127.0.0.1 (0: any free port)' },
} as const satisfies Record<string, Options>;

export const compareOptions = {
  out: { type: 'string', requiresArg: true, describe: 'write the markdown comparison here' },
  threshold: { type: 'string', default: COMPARE_THRESHOLD, describe: 'latency change that counts, e.g. 10%' },
  base: {
    type: 'string',
    requiresArg: true,
    describe: "compare against the result note (refs/notes/querygate-results) of this commit, or of its nearest first-parent ancestor with one",
  },
} as const satisfies Record<string, Options>;

export const historyOptions = {
  'max-count': { type: 'number', default: DEFAULT_HISTORY_DEPTH, requiresArg: true, describe: 'first-parent commits to read back from a revision (a range A..B reads all)' },
  json: { type: 'boolean', default: false, describe: 'print the series and steps as JSON' },
  out: { type: 'string', requiresArg: true, describe: 'write the markdown (or JSON) here' },
  significance: { type: 'number', default: DEFAULT_HISTORY_OPTIONS.significance, requiresArg: true, describe: 'p-value at most which a latency change point is reported' },
  'min-change': { type: 'number', default: DEFAULT_HISTORY_OPTIONS.minChange * 100, requiresArg: true, describe: 'latency steps under this many % are not reported' },
} as const satisfies Record<string, Options>;

/** `history`: numbers in range. */
export function checkHistory(argv: { 'max-count'?: number | undefined; significance?: number | undefined; 'min-change'?: number | undefined }): true {
  const count = argv['max-count'];
  if (count !== undefined && !(Number.isInteger(count) && count >= 2 && count <= 100_000)) {
    throw new UsageError(`--max-count must be an integer from 2 to 100000, got ${shown(count)} (e.g. --max-count 100)`);
  }
  const p = argv.significance;
  if (p !== undefined && !(p > 0 && p < 1)) throw new UsageError(`--significance must lie between 0 and 1, got ${shown(p)} (e.g. --significance 0.01)`);
  const change = argv['min-change'];
  if (change !== undefined && !(change >= 0 && change <= 1000)) throw new UsageError(`--min-change must be a percentage from 0 to 1000, got ${shown(change)} (e.g. --min-change 5)`);
  return true;
}

/** `compare`: two files, or --base REF and at most one file (default: the last run's result). */
export function checkCompare(argv: { before?: string | undefined; after?: string | undefined; base?: string | undefined }): true {
  if (argv.base !== undefined) {
    if (argv.after !== undefined) {
      throw new UsageError('--base REF takes at most one result file, the after side (e.g. querygate compare --base origin/main reports/out/latest/result.json)');
    }
    return true;
  }
  if (argv.before === undefined || argv.after === undefined) {
    throw new UsageError('compare needs 2 file arguments, BEFORE.json AFTER.json, or --base REF (e.g. querygate compare main.json pr.json, or querygate compare --base origin/main)');
  }
  return true;
}

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
  'min-effect'?: number | undefined;
  mde?: number | undefined;
  'max-time'?: number | undefined;
  against?: string | undefined;
  'sqlite-file'?: string | undefined;
  db?: string | undefined;
  concurrency?: number | undefined;
  rtt?: number | undefined;
  scenario?: string[] | undefined;
  shard?: string | undefined;
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
  if (argv['min-effect'] !== undefined && (typeof argv['min-effect'] !== 'number' || !(argv['min-effect'] >= 0 && argv['min-effect'] < 100))) {
    throw new UsageError(`--min-effect must be a percentage from 0 to 100, got ${shown(argv['min-effect'])} (e.g. --min-effect 2)`);
  }
  if (argv.mde !== undefined && (typeof argv.mde !== 'number' || !(argv.mde > (argv['min-effect'] ?? MIN_EFFECT * 100) && argv.mde < 100))) {
    throw new UsageError(`--mde must be a percentage above --min-effect (${argv['min-effect'] ?? MIN_EFFECT * 100}) and below 100, got ${shown(argv.mde)} (e.g. --mde 3)`);
  }
  if (argv['max-time'] !== undefined && (typeof argv['max-time'] !== 'number' || !(argv['max-time'] >= 0.5 && argv['max-time'] <= 3600))) {
    throw new UsageError(`--max-time must be seconds from 0.5 to 3600, got ${shown(argv['max-time'])} (e.g. --max-time 30)`);
  }
  if (argv['max-time'] !== undefined && argv.against === undefined) throw new UsageError('--max-time applies to --against REF (plain runs stop at their precision or budget)');
  if (argv.scenario !== undefined && argv.scenario.length === 0) {
    throw new UsageError(`--scenario needs at least one name: ${SCENARIO_NAMES.join(', ')} (e.g. --scenario list-50)`);
  }
  if (argv.shard !== undefined && parseShard(argv.shard) === null) {
    throw new UsageError(`--shard must be K/N with 1 <= K <= N, got ${JSON.stringify(argv.shard)} (e.g. --shard 1/2)`);
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
