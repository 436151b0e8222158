import type { RequestLog } from '../instrument/query-recorder.js';
import { quantileInterval } from '../stats/quantile-interval.js';
import { batchedQuantileInterval } from '../stats/batched-quantile-interval.js';
import { ERRORED_FIGURES, PROBE_IMPL, type Dialect, type N1Suspect, type QueryStats, type RecordedStatement, type ScenarioResult } from '../core/result.js';
import { summarize } from '../stats/statistics.js';
import type { Exchange } from './loopback-endpoint.js';
import type { ResolvedRequest } from './resolve-requests.js';
import type { ContenderSamples } from './sampler.js';

/** A fingerprint repeated this often in one request is reported as an N+1 suspect. */
export const N1_THRESHOLD = 3;

/** What a result is made of beside its own measurements: where it ran, and the requests it answered. */
export interface ResultContext {
  scenario: string;
  dialect: Dialect;
  concurrency: number;
  requests: readonly ResolvedRequest[];
}

/**
 * One implementation's result of a scenario: its profiled exchanges (statements, responses
 * compared with the reference's) and its timed samples. A request it did not answer with 200
 * makes the result errored, with that answer as the error.
 */
export function scenarioResult(
  context: ResultContext,
  impl: string,
  exchanges: readonly Exchange[],
  timed: ContenderSamples | undefined,
  reference: readonly Exchange[] | undefined,
): ScenarioResult {
  const { requests } = context;
  const samples = timed?.samples ?? [];
  const comparison = reference === undefined || impl === PROBE_IMPL ? null : compareResponses(requests, reference, exchanges);
  const result: ScenarioResult = {
    scenario: context.scenario,
    dialect: context.dialect,
    impl,
    state: 'completed',
    samples: samples.length,
    // A side that was not timed (it failed a request) has no latency: the neutral figures of an errored result.
    latencyMs: samples.length === 0 ? structuredClone(ERRORED_FIGURES.latencyMs) : summarize(samples, { ci: {} }),
    queries: queryStats(requests, exchanges, timed?.maxQueries ?? 0),
    poolWaitMs: median(timed?.poolWaitMs ?? []),
    concurrency: context.concurrency,
    throughputRps: timed === undefined || timed.ms === 0 ? 0 : (timed.requests / timed.ms) * 1000,
    rowsPerRequest: Math.max(0, ...exchanges.map((e) => e.log.rows)),
    dbTimeMs: median(exchanges.map((e) => e.log.dbTimeMs)),
    sameResponse: comparison === null ? null : comparison.same,
    gates: [],
    rawSamples: samples,
    sampleRounds: timed?.rounds ?? [],
  };
  // Over rounds in time order when they are known: slow drift makes the order-statistic interval too narrow.
  if (samples.length > 0) result.p95Interval = timed === undefined ? quantileInterval(samples, 95) : batchedQuantileInterval({ samples, rounds: timed.rounds }, 95);
  if (comparison !== null && !comparison.same) result.responseDiff = comparison.diff;
  const failedAt = exchanges.findIndex((e) => e.status !== 200);
  const failed = exchanges[failedAt];
  if (failed !== undefined) {
    const request = requests[failedAt];
    result.state = 'errored';
    result.error = `${request === undefined ? 'a request' : `${request.label} (GET ${request.path.slice(0, 120)})`} answered ${failed.status}: ${failed.body.slice(0, 200)}`;
  }
  return result;
}

function queryStats(requests: readonly ResolvedRequest[], exchanges: readonly Exchange[], timedMax: number): QueryStats {
  const logs: RequestLog[] = exchanges.map((e) => e.log);
  const counts = logs.map((l) => l.count);
  const byRequest: Record<string, number> = {};
  const fingerprints = new Map<string, number>();
  const suspects = new Map<string, N1Suspect>();
  const examples: Record<string, { sql: string; bindings: unknown[] }> = {};
  const requestStatements: Record<string, RecordedStatement[]> = {};
  logs.forEach((log, i) => {
    const label = requests[i]?.label ?? String(i);
    requestStatements[label] ??= log.queries
      .filter((q) => !q.transactionControl)
      .map((q) => ({ sql: q.sql, bindings: [...q.bindings], rows: q.rows }));
    byRequest[label] = Math.max(byRequest[label] ?? 0, log.count);
    for (const f of log.fingerprints()) {
      fingerprints.set(f.sql, Math.max(fingerprints.get(f.sql) ?? 0, f.count));
      examples[f.sql] ??= { sql: f.example.sql, bindings: [...f.example.bindings] };
      if (f.count >= N1_THRESHOLD && (suspects.get(f.sql)?.count ?? 0) < f.count) {
        suspects.set(f.sql, { fingerprint: f.sql, count: f.count, example: inline(f.example.sql, f.example.bindings), callSite: f.example.callSite });
      }
    }
  });
  return {
    perRequest: Math.max(timedMax, ...counts, 0),
    perRequestMin: counts.length === 0 ? 0 : Math.min(...counts),
    transactionControl: Math.max(0, ...logs.map((l) => l.queries.filter((q) => q.transactionControl).length)),
    fingerprints: [...fingerprints].map(([sql, count]) => ({ sql, count })).sort((a, b) => b.count - a.count || (a.sql < b.sql ? -1 : 1)),
    n1Suspects: [...suspects.values()].sort((a, b) => b.count - a.count),
    byRequest,
    examples,
    requestStatements,
  };
}

/** A statement with its bindings written in, for a human reading the report. */
function inline(sql: string, bindings: readonly unknown[]): string {
  let i = 0;
  return sql.replace(/\?|\$(\d+)/g, (match, n: string | undefined) => {
    const value = n === undefined ? bindings[i++] : bindings[Number(n) - 1];
    if (value === undefined) return match;
    return typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`;
  });
}

function compareResponses(requests: readonly ResolvedRequest[], reference: readonly Exchange[], other: readonly Exchange[]) {
  for (let i = 0; i < requests.length; i++) {
    const a = reference[i];
    const b = other[i];
    const compare = requests[i]?.compare;
    if (a === undefined || b === undefined || a.status !== b.status) {
      return { same: false, diff: `${requests[i]?.path}: ${a === undefined || b === undefined ? 'no answer' : `status ${a.status} vs ${b.status}`}: ${describeDiff(a?.body ?? '', b?.body ?? '')}` };
    }
    const [x, y] = compare === undefined ? [a.body, b.body] : [comparedPart(a.body, compare), comparedPart(b.body, compare)];
    if (x !== y) return { same: false, diff: `${requests[i]?.path}: ${compare === undefined ? '' : "in the part the scenario compares, "}${describeDiff(x, y)}` };
  }
  return { same: true, diff: '' };
}

/** The part of a JSON body the scenario compares, as canonical text; a body that is not JSON is compared whole. */
function comparedPart(body: string, compare: (body: unknown) => unknown): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  return JSON.stringify(compare(parsed)) ?? 'undefined';
}

function describeDiff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `first difference at byte ${i}: ...${a.slice(Math.max(0, i - 30), i + 30)}... vs ...${b.slice(Math.max(0, i - 30), i + 30)}...`;
}

function median(values: number[]): number {
  return values.length === 0 ? 0 : summarize(values).p50;
}
