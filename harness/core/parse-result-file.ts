import { RESULT_SCHEMA_VERSION, type RunResult } from './result.js';
import { ResultFileError } from './result-file-error.js';
import { formatPath, runResultSchema } from './result-schema.js';

/**
 * Parses and checks a result file's text (or a result note's) against the one schema
 * (result-schema.ts). Throws {@link ResultFileError} naming the path and the first problem: not
 * JSON, not an object, not written by querygate, an unknown schemaVersion, a missing or mistyped
 * field, or a value no run can produce (a latency of 0 or less, rounds that do not match the
 * samples, a p95 interval beside too few samples). Unknown extra fields are kept (newer writers
 * may add some). An errored result needs only its identity and state.
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
  const parsed = runResultSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw new ResultFileError(path, 'does not match the result schema');
  const at = formatPath(issue.path);
  const value = valueAt(data, issue.path);
  if (value === undefined && issue.code === 'invalid_type') throw new ResultFileError(path, `missing field ${at}`);
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length === 2 ? '' : 's'})` : '';
  // A problem the schema states itself ("holds 10 rounds for 0 raw samples") reads after the path.
  if (issue.code === 'custom' && /^(is|has|holds|goes)\b/.test(issue.message)) throw new ResultFileError(path, `${at} ${issue.message}${more}`);
  throw new ResultFileError(path, `${at} is ${describe(value)}, ${expectation(issue)}${more}`);
}

/** What a zod issue expected, in the words of the other messages. */
function expectation(issue: { code: string; message: string; expected?: unknown; values?: unknown[] }): string {
  if (issue.code === 'invalid_type') return `expected ${String(issue.expected) === 'array' ? 'an array' : String(issue.expected) === 'object' ? 'an object' : `a ${String(issue.expected)}`}`;
  if (issue.code === 'invalid_value' && issue.values !== undefined) return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  return `expected ${issue.message}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = data;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
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
