import { DIALECTS, RESULT_SCHEMA_VERSION, type RunResult } from '../result.js';
import { ResultFileError } from './result-file-error.js';

/**
 * Parses and checks a result file's text. Throws {@link ResultFileError} naming the path and
 * the first problem: not JSON, not an object, not written by querygate, an unknown
 * schemaVersion, or a missing or mistyped field that the reports read. Unknown extra fields
 * are kept (newer writers may add some). An errored result needs only its identity and state:
 * its missing measurements are filled with empty values, since nothing reads them.
 */
export function parseResultFile(text: string, path: string): RunResult {
  if (text.trim() === '') throw new ResultFileError(path, 'the file is empty');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ResultFileError(path, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(data)) throw new ResultFileError(path, `not a JSON object but ${describe(data)}`);
  if (data['tool'] !== 'querygate') {
    throw new ResultFileError(path, `"tool" is ${describe(data['tool'])}, not "querygate": not a querygate result`);
  }
  if (data['schemaVersion'] !== RESULT_SCHEMA_VERSION) {
    throw new ResultFileError(path, `schemaVersion ${describe(data['schemaVersion'])} is not supported by this querygate`);
  }
  new Checker(path).run(data);
  return data as unknown as RunResult;
}

type Check = (value: unknown) => string | null;

const number: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a number');
const string: Check = (v) => (typeof v === 'string' ? null : 'a string');
const boolean: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const object: Check = (v) => (isRecord(v) ? null : 'an object');
const array: Check = (v) => (Array.isArray(v) ? null : 'an array');
const nullable = (check: Check): Check => (v) => (v === null ? null : check(v) && `${check(v)} or null`);
const oneOf = (...values: string[]): Check => (v) =>
  typeof v === 'string' && values.includes(v) ? null : values.map((x) => JSON.stringify(x)).join(' or ');
const interval: Check = (v) =>
  Array.isArray(v) && v.length === 2 && v.every((x) => number(x) === null) ? null : 'an interval [low, high]';

class Checker {
  constructor(private readonly path: string) {}

  run(data: Record<string, unknown>): void {
    this.fields(data, '', {
      startedAt: string, durationMs: number, verdict: oneOf('pass', 'fail'), implUnderTest: string,
      options: object, environment: object, fixture: object, results: array, ratios: array, errors: array,
    });
    this.fields(data['environment'] as Record<string, unknown>, 'environment.', {
      node: string, os: string, cpu: string, cpus: number, memoryGiB: number, databases: object,
      gitCommit: nullable(string), gitDirty: nullable(boolean),
    });
    this.fields(data['fixture'] as Record<string, unknown>, 'fixture.', {
      profile: string, seed: number, generatorVersion: number, checksum: string, rowCounts: object,
    });
    (data['results'] as unknown[]).forEach((result, i) => this.result(result, `results[${i}]`));
    (data['ratios'] as unknown[]).forEach((ratio, i) => {
      const at = `ratios[${i}]`;
      this.is(ratio, at, object);
      this.fields(ratio as Record<string, unknown>, `${at}.`, {
        scenario: string, dialect: oneOf(...DIALECTS), numerator: string, denominator: string,
        p50: number, p50Ci: interval, p95: number, p95Ci: interval,
      });
    });
    (data['errors'] as unknown[]).forEach((error, i) => this.is(error, `errors[${i}]`, string));
  }

  private result(result: unknown, at: string): void {
    this.is(result, at, object);
    const r = result as Record<string, unknown>;
    this.fields(r, `${at}.`, { scenario: string, dialect: oneOf(...DIALECTS), impl: string, state: oneOf('completed', 'errored') });
    if (r['state'] === 'errored') {
      if (r['error'] !== undefined) this.is(r['error'], `${at}.error`, string);
      fillErrored(r);
    }
    this.fields(r, `${at}.`, {
      samples: number, latencyMs: object, queries: object, rowsPerRequest: number, dbTimeMs: number,
      sameResponse: nullable(boolean), gates: array, rawSamples: array,
    });
    this.fields(r['latencyMs'] as Record<string, unknown>, `${at}.latencyMs.`, {
      p50: number, p95: number, p99: number, mean: number, min: number, max: number, p95Ci: interval, count: number,
    });
    const queries = r['queries'] as Record<string, unknown>;
    this.fields(queries, `${at}.queries.`, {
      perRequest: number, perRequestMin: number, transactionControl: number, fingerprints: array, n1Suspects: array, byRequest: object,
    });
    (queries['fingerprints'] as unknown[]).forEach((f, i) => {
      this.is(f, `${at}.queries.fingerprints[${i}]`, object);
      this.fields(f as Record<string, unknown>, `${at}.queries.fingerprints[${i}].`, { sql: string, count: number });
    });
    (queries['n1Suspects'] as unknown[]).forEach((s, i) => {
      this.is(s, `${at}.queries.n1Suspects[${i}]`, object);
      this.fields(s as Record<string, unknown>, `${at}.queries.n1Suspects[${i}].`, {
        fingerprint: string, count: number, example: string, callSite: nullable(string),
      });
    });
    if (queries['plans'] !== undefined) {
      this.is(queries['plans'], `${at}.queries.plans`, array);
      (queries['plans'] as unknown[]).forEach((p, i) => {
        this.is(p, `${at}.queries.plans[${i}]`, object);
        this.fields(p as Record<string, unknown>, `${at}.queries.plans[${i}].`, { fingerprint: string, fullScans: array });
      });
    }
    (r['gates'] as unknown[]).forEach((g, i) => {
      this.is(g, `${at}.gates[${i}]`, object);
      this.fields(g as Record<string, unknown>, `${at}.gates[${i}].`, {
        id: string, pass: boolean, actual: string, threshold: string, message: string,
      });
    });
    const samples = r['rawSamples'] as unknown[];
    const bad = samples.findIndex((s) => number(s) !== null);
    if (bad !== -1) this.fail(`${at}.rawSamples[${bad}]`, samples[bad], 'a number');
  }

  private fields(record: Record<string, unknown>, prefix: string, checks: Record<string, Check>): void {
    for (const [key, check] of Object.entries(checks)) {
      if (!(key in record)) throw new ResultFileError(this.path, `missing field ${prefix}${key}`);
      this.is(record[key], `${prefix}${key}`, check);
    }
  }

  private is(value: unknown, at: string, check: Check): void {
    const expected = check(value);
    if (expected !== null) this.fail(at, value, expected);
  }

  private fail(at: string, value: unknown, expected: string): never {
    throw new ResultFileError(this.path, `${at} is ${describe(value)}, expected ${expected}`);
  }
}

/** Neutral stand-ins for what an errored result could not measure, so readers never crash. */
function fillErrored(r: Record<string, unknown>): void {
  const zeroStats = { p50: 0, p95: 0, p99: 0, mean: 0, min: 0, max: 0, p95Ci: [0, 0], count: 0 };
  const emptyQueries = { perRequest: 0, perRequestMin: 0, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {} };
  const defaults: Record<string, unknown> = {
    samples: 0, latencyMs: zeroStats, queries: emptyQueries, rowsPerRequest: 0, dbTimeMs: 0, sameResponse: null, gates: [], rawSamples: [],
  };
  for (const [key, value] of Object.entries(defaults)) {
    if (r[key] === undefined || (r[key] === null && key !== 'sameResponse')) r[key] = value;
  }
  // JSON writes NaN as null: statistics of nothing.
  if (isRecord(r['latencyMs'])) {
    for (const [key, value] of Object.entries(zeroStats)) {
      if (r['latencyMs'][key] === null || r['latencyMs'][key] === undefined) r['latencyMs'][key] = value;
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value for a message: `"mysql"`, `42`, `null`, `an array`. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  if (isRecord(value)) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
