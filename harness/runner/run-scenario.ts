import { MIN_EFFECT, PAIRED_CONFIDENCE } from '../core/defaults.js';
import type { Knex } from 'knex';
import type { Scenario } from '../../scenarios/scenario.js';
import type { QueryRecorder, RequestLog } from '../instrument/query-recorder.js';
import { pairedRatio, pairRounds } from '../stats/paired-statistics.js';
import { quantileInterval } from '../stats/quantile-interval.js';
import { batchedQuantileInterval } from '../stats/batched-quantile-interval.js';
import { blockBootstrapRatioCi } from '../stats/round-bootstrap.js';
import { PROBE_IMPL, REFERENCE_IMPL, type Dialect, type N1Suspect, type PairedComparison, type QueryStats, type RecordedStatement, type ScenarioResult } from '../core/result.js';
import { summarize } from '../stats/statistics.js';
import { LoopbackEndpoint, type Exchange } from './loopback-endpoint.js';
import { resolveRequests, type ResolvedRequest } from './resolve-requests.js';
import { sampleRounds, type Contender, type ContenderSamples } from './sampler.js';
import type { SamplingOptions } from './sampling-options.js';
import { handlerFactoryFor, type ExtraImplementations } from './served-implementation.js';

/** A fingerprint repeated this often in one request is reported as an N+1 suspect. */
export const N1_THRESHOLD = 3;
/** Stands for an unbounded interval end in JSON (which has no Infinity). */
const NO_BOUND = 1e9;

export interface ScenarioRunInput {
  db: Knex;
  recorder: QueryRecorder;
  dialect: Dialect;
  scenario: Scenario;
  /** Implementations to serve and measure, by the names their results get. */
  impls: readonly string[];
  /** The judged implementation; every other one is a reference sampled only for its own figures. */
  implUnderTest?: string | undefined;
  /** Judge the implementation under test against this one, side by side (e.g. "fixed@main"). */
  against?: string | undefined;
  /** Judge the implementation under test against a second copy of itself (the A/A noise floor). */
  aaCopy?: boolean | undefined;
  /**
   * Judge the implementation under test against the baseline side by side (both get a slice of
   * every round), flagging a slowdown beyond this fraction: where a scenario's gate compares the
   * two (detail). Without it the baseline is a reference with a few samples for its own figures.
   */
  baselineTolerance?: number | undefined;
  /** Also time the implementation under test without instrumentation (overhead figure). */
  overhead?: boolean | undefined;
  /** Serve the harness's drift probe beside the implementations. */
  probe?: boolean | undefined;
  /** Implementations served beside src/'s registry (injected regressions, another revision's). */
  extra?: ExtraImplementations | undefined;
  /**
   * Implementations served from a database of their own instead of `db` (`run --against` when
   * REF's schema differs), each with its recorder, by name; the A/A and uninstrumented copies follow.
   */
  ownDatabases?: ReadonlyMap<string, { db: Knex; recorder: QueryRecorder }> | undefined;
  minEffect?: number | undefined;
  seed: number;
  sampling: SamplingOptions;
  onProgress?: ((message: string) => void) | undefined;
  /** Stops the sampling between requests. */
  signal?: AbortSignal | undefined;
}

export interface ScenarioRunOutput {
  results: ScenarioResult[];
  /** The judged pairs of this scenario (A/A, --against, against the baseline). */
  pairs: PairedComparison[];
}

const uninstrumented = (impl: string) => `${impl} (uninstrumented)`;
const aaCopyOf = (impl: string) => `${impl} (A/A)`;

/**
 * Measures one scenario on one database for every implementation: a profiling pass (query logs
 * with call sites, responses), a warm-up, then timed rounds (see sampler.ts), then the figures
 * of each implementation and the paired verdicts.
 */
export async function runScenario(input: ScenarioRunInput): Promise<ScenarioRunOutput> {
  const { db, recorder, scenario, impls, sampling } = input;
  const requests = await resolveRequests(db, scenario, input.seed);
  const subject = input.implUnderTest !== undefined && impls.includes(input.implUnderTest) ? input.implUnderTest : undefined;
  const endpoints = new Map<string, LoopbackEndpoint>();
  const contenders: Contender[] = [];
  // Every recorder a contender is served through (the shared database's, and each own database's).
  const recorders = [recorder, ...[...(input.ownDatabases?.values() ?? [])].map((o) => o.recorder)];
  const captureCallSites = (on: boolean) => {
    for (const r of recorders) r.captureCallSites = on;
  };
  try {
    const serve = async (key: string, impl: string, role: Contender['role'], instrumented = true) => {
      const own = input.ownDatabases?.get(impl) ?? { db, recorder };
      const endpoint = await LoopbackEndpoint.start(own.db, key, handlerFactoryFor(impl, input.extra), instrumented ? own.recorder : null, sampling.concurrency);
      endpoints.set(key, endpoint);
      contenders.push({ key, endpoint, role, instrumented, recorder: own.recorder });
      return endpoint;
    };
    const pairs: PairToJudge[] = [];
    if (subject !== undefined && input.against !== undefined && impls.includes(input.against)) pairs.push({ keys: [subject, input.against], kind: 'against' });
    if (subject !== undefined && subject !== REFERENCE_IMPL && input.baselineTolerance !== undefined && impls.includes(REFERENCE_IMPL)) {
      pairs.push({ keys: [subject, REFERENCE_IMPL], kind: 'baseline' });
    }
    const judgedKeys = new Set([subject, ...pairs.map((p) => p.keys[1])].filter((k) => k !== undefined));
    for (const impl of impls) await serve(impl, impl, judgedKeys.size === 0 || judgedKeys.has(impl) ? 'judged' : 'reference');
    if (subject !== undefined && input.aaCopy === true && !pairs.some((p) => p.kind === 'against')) {
      await serve(aaCopyOf(subject), subject, 'judged');
      pairs.push({ keys: [subject, aaCopyOf(subject)], kind: 'aa' });
    }
    if (subject !== undefined && input.overhead === true) await serve(uninstrumented(subject), subject, 'reference', false);
    if (input.probe === true) await serve(PROBE_IMPL, PROBE_IMPL, 'probe');

    // Profiling pass: the full query log of every request, and every response for comparison.
    captureCallSites(true);
    const profiled = new Map<string, Exchange[]>();
    for (const impl of impls) {
      const endpoint = endpoints.get(impl) as LoopbackEndpoint;
      const exchanges: Exchange[] = [];
      for (const r of requests) exchanges.push(await endpoint.send(r.path));
      profiled.set(impl, exchanges);
    }
    captureCallSites(false);

    for (let round = 0; round < sampling.warmupRounds; round++) {
      for (const endpoint of endpoints.values()) for (const r of requests) await endpoint.send(r.path);
    }

    const timed = await sampleRounds(contenders, requests, sampling, pairs.map((p) => p.keys), input.signal);
    const reference = profiled.get(REFERENCE_IMPL);
    const results = impls.map((impl) => {
      const result = scenarioResult(input, requests, impl, profiled.get(impl) ?? [], timed.byKey.get(impl), reference);
      result.stoppedBy = timed.stoppedBy;
      const overhead = timed.byKey.get(uninstrumented(impl))?.samples;
      if (overhead !== undefined && overhead.length > 0) result.uninstrumentedP50Ms = summarize(overhead).p50;
      return result;
    });
    const probe = timed.byKey.get(PROBE_IMPL);
    if (probe !== undefined) results.push(scenarioResult(input, requests, PROBE_IMPL, [], probe, undefined));
    const judgedPairs: PairedComparison[] = [];
    for (const pair of pairs) {
      const [a, b] = pair.keys.map((key) => timed.byKey.get(key)) as [ContenderSamples, ContenderSamples];
      const paired = judgePair(input, pair, a, b);
      judgedPairs.push(paired);
      const owner = results.find((r) => r.impl === subject);
      if (owner !== undefined && paired.kind === 'aa') {
        // p50: the paired verdict's ratio; p95: the two copies' p95s, resampling whole rounds.
        const p95 = blockBootstrapRatioCi({ samples: a.samples, rounds: a.rounds }, { samples: b.samples, rounds: b.rounds }, 95);
        owner.aaRatio = { p50: paired.ratio, p50Ci: paired.ci, p95: p95.ratio, p95Ci: p95.ci };
      }
    }
    return { results, pairs: judgedPairs };
  } finally {
    captureCallSites(false);
    for (const endpoint of endpoints.values()) await endpoint.close();
  }
}

/** Two contenders to judge side by side: the subject's key first. */
interface PairToJudge {
  keys: [string, string];
  kind: PairedComparison['kind'];
}

function judgePair(input: ScenarioRunInput, { keys: pair, kind }: PairToJudge, a: ContenderSamples, b: ContenderSamples): PairedComparison {
  const roundRatios = pairRounds(a.samples, a.rounds, b.samples, b.rounds).map((r) => r.ratio);
  // Against the baseline, the scenario's own tolerance: the verdict is its gate's.
  const minEffect = kind === 'baseline' ? (input.baselineTolerance ?? MIN_EFFECT) : (input.minEffect ?? MIN_EFFECT);
  // No common round (a side took no sample): nothing to judge, and the gate says so.
  const { ratio, ci, pValue, mde, verdict } =
    roundRatios.length === 0
      ? { ratio: 1, ci: [0, NO_BOUND] as [number, number], pValue: 1, mde: NO_BOUND, verdict: 'same' as const }
      : pairedRatio(roundRatios, { confidence: PAIRED_CONFIDENCE, minEffect });
  return {
    scenario: input.scenario.name,
    dialect: input.dialect,
    subject: pair[0],
    reference: pair[1],
    kind,
    rounds: roundRatios.length,
    roundRatios,
    confidence: PAIRED_CONFIDENCE,
    minEffect,
    ratio,
    ci,
    pValue,
    mde,
    verdict,
  };
}

function scenarioResult(
  input: ScenarioRunInput,
  requests: readonly ResolvedRequest[],
  impl: string,
  exchanges: readonly Exchange[],
  timed: ContenderSamples | undefined,
  reference: readonly Exchange[] | undefined,
): ScenarioResult {
  const samples = timed?.samples ?? [];
  const comparison = reference === undefined || impl === PROBE_IMPL ? null : compareResponses(requests, reference, exchanges);
  const result: ScenarioResult = {
    scenario: input.scenario.name,
    dialect: input.dialect,
    impl,
    state: 'completed',
    samples: samples.length,
    latencyMs: summarize(samples, { ci: {} }),
    queries: queryStats(requests, exchanges, timed?.maxQueries ?? 0),
    poolWaitMs: median(timed?.poolWaitMs ?? []),
    concurrency: input.sampling.concurrency,
    throughputRps: timed === undefined || timed.ms === 0 ? 0 : (timed.requests / timed.ms) * 1000,
    rowsPerRequest: Math.max(0, ...exchanges.map((e) => e.log.rows)),
    dbTimeMs: median(exchanges.map((e) => e.log.dbTimeMs)),
    sameResponse: comparison === null ? null : comparison.same,
    gates: [],
    rawSamples: samples,
    sampleRounds: timed?.rounds ?? [],
    // Over rounds in time order when they are known: slow drift makes the order-statistic interval too narrow.
    p95Interval: timed === undefined ? quantileInterval(samples, 95) : batchedQuantileInterval({ samples, rounds: timed.rounds }, 95),
  };
  if (comparison !== null && !comparison.same) result.responseDiff = comparison.diff;
  const failed = exchanges.find((e) => e.status !== 200);
  if (failed !== undefined) {
    result.state = 'errored';
    result.error = `a request answered ${failed.status}: ${failed.body.slice(0, 200)}`;
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
    if (a === undefined || b === undefined || a.status !== b.status || a.body !== b.body) {
      return { same: false, diff: `${requests[i]?.path}: ${describeDiff(a?.body ?? '', b?.body ?? '')}` };
    }
  }
  return { same: true, diff: '' };
}

function describeDiff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `first difference at byte ${i}: ...${a.slice(Math.max(0, i - 30), i + 30)}... vs ...${b.slice(Math.max(0, i - 30), i + 30)}...`;
}

function median(values: number[]): number {
  return values.length === 0 ? 0 : summarize(values).p50;
}
