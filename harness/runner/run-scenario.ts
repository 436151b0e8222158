import { Bench } from 'tinybench';
import type { Knex } from 'knex';
import type { Scenario } from '../../scenarios/scenario.js';
import type { QueryRecorder, RequestLog } from '../instrument/query-recorder.js';
import type { Dialect, N1Suspect, QueryStats, RecordedStatement, ScenarioResult } from '../result.js';
import { bootstrapRatioCi, summarize } from '../statistics.js';
import type { SamplingOptions } from './sampling-options.js';
import { LoopbackEndpoint, type Exchange } from './loopback-endpoint.js';
import { resolveRequests, type ResolvedRequest } from './resolve-requests.js';

/** A fingerprint repeated this often in one request is reported as an N+1 suspect. */
export const N1_THRESHOLD = 3;
/** The implementation every other one must answer like. */
export const REFERENCE_IMPL = 'baseline';
/** The hand-written single statement: the fastest answer the database can give. */
export const FLOOR_IMPL = 'floor';

export interface ScenarioRunInput {
  db: Knex;
  recorder: QueryRecorder;
  dialect: Dialect;
  scenario: Scenario;
  impls: readonly string[];
  seed: number;
  sampling: SamplingOptions;
  /** Also time this implementation with the recorder's listeners off, in the same rounds. */
  overheadImpl?: string | undefined;
  onProgress?: ((message: string) => void) | undefined;
  /** Stops the sampling between requests. */
  signal?: AbortSignal | undefined;
}

/**
 * Measures one scenario on one database for every implementation: a profiling pass (query logs
 * with call sites, responses), a warm-up, then timed rounds in which the implementations take
 * turns (A B A B ...), so drift of a shared machine hits all of them alike.
 */
export async function runScenario(input: ScenarioRunInput): Promise<ScenarioResult[]> {
  const { db, recorder, scenario, impls, sampling } = input;
  const requests = await resolveRequests(db, scenario, input.seed);
  const endpoints = new Map<string, LoopbackEndpoint>();
  try {
    for (const impl of impls) endpoints.set(impl, await LoopbackEndpoint.start(db, impl, recorder, sampling.concurrency));

    // Profiling pass: the full query log of every request, and every response for comparison.
    recorder.captureCallSites = true;
    const profiled = new Map<string, Exchange[]>();
    for (const [impl, endpoint] of endpoints) {
      const exchanges: Exchange[] = [];
      for (const r of requests) exchanges.push(await endpoint.send(r.path));
      profiled.set(impl, exchanges);
    }
    recorder.captureCallSites = false;

    for (let round = 0; round < sampling.warmupRounds; round++) {
      for (const endpoint of endpoints.values()) for (const r of requests) await endpoint.send(r.path);
    }

    const timed = await sampleInterleaved(endpoints, requests, recorder, sampling, input.overheadImpl, input.signal);
    const reference = profiled.get(REFERENCE_IMPL);
    return impls.map((impl) => {
      const exchanges = profiled.get(impl) ?? [];
      const samples = timed.samples.get(impl) ?? [];
      const comparison = reference === undefined ? null : compareResponses(requests, reference, exchanges);
      const overhead = timed.samples.get(uninstrumented(impl));
      const result: ScenarioResult = {
        scenario: scenario.name,
        dialect: input.dialect,
        impl,
        state: 'completed',
        samples: samples.length,
        latencyMs: summarize(samples, { ci: {} }),
        queries: queryStats(requests, exchanges, timed.maxQueries.get(impl) ?? 0),
        poolWaitMs: median(timed.poolWaitMs.get(impl) ?? []),
        concurrency: sampling.concurrency,
        throughputRps: rate(timed.throughput.get(impl)),
        rowsPerRequest: Math.max(0, ...exchanges.map((e) => e.log.rows)),
        dbTimeMs: median(exchanges.map((e) => e.log.dbTimeMs)),
        sameResponse: comparison === null ? null : comparison.same,
        gates: [],
        rawSamples: samples,
      };
      if (comparison !== null && !comparison.same) result.responseDiff = comparison.diff;
      if (overhead !== undefined && overhead.length > 0) result.uninstrumentedP50Ms = summarize(overhead).p50;
      const copy = timed.samples.get(aaCopy(impl));
      if (copy !== undefined && copy.length > 0 && samples.length > 0) {
        const p50 = bootstrapRatioCi(copy, samples, 50);
        const p95 = bootstrapRatioCi(copy, samples, 95);
        result.aaRatio = { p50: p50.ratio, p50Ci: p50.ci, p95: p95.ratio, p95Ci: p95.ci };
      }
      const failed = exchanges.find((e) => e.status !== 200);
      if (failed !== undefined) {
        result.state = 'errored';
        result.error = `a request answered ${failed.status}: ${failed.body.slice(0, 200)}`;
      }
      return result;
    });
  } finally {
    recorder.captureCallSites = false;
    for (const endpoint of endpoints.values()) await endpoint.close();
  }
}

const uninstrumented = (impl: string) => `${impl} (uninstrumented)`;
const aaCopy = (impl: string) => `${impl} (A/A)`;

interface TimedSamples {
  samples: Map<string, number[]>;
  /** Statements per request, max over the timed requests too: the gate is exact on every request. */
  maxQueries: Map<string, number>;
  poolWaitMs: Map<string, number[]>;
  /** Completed requests and the wall time spent on them, per implementation. */
  throughput: Map<string, { requests: number; ms: number }>;
}

async function sampleInterleaved(
  endpoints: Map<string, LoopbackEndpoint>,
  requests: readonly ResolvedRequest[],
  recorder: QueryRecorder,
  sampling: SamplingOptions,
  overheadImpl: string | undefined,
  signal: AbortSignal | undefined,
): Promise<TimedSamples> {
  const timed: TimedSamples = { samples: new Map(), maxQueries: new Map(), poolWaitMs: new Map(), throughput: new Map() };
  const bench = new Bench({ iterations: sampling.block, time: 0, warmup: false, throws: true });
  const tasks: { name: string; instrumented: boolean; copy?: boolean }[] = [...endpoints.keys()].map((name) => ({ name, instrumented: true }));
  if (overheadImpl !== undefined && endpoints.has(overheadImpl)) {
    tasks.push({ name: overheadImpl, instrumented: false }, { name: overheadImpl, instrumented: true, copy: true });
  }
  for (const task of tasks) {
    const endpoint = endpoints.get(task.name) as LoopbackEndpoint;
    const key = task.copy === true ? aaCopy(task.name) : task.instrumented ? task.name : uninstrumented(task.name);
    const taken: number[] = [];
    const waits: number[] = [];
    const throughput = { requests: 0, ms: 0 };
    timed.samples.set(key, taken);
    timed.poolWaitMs.set(key, waits);
    timed.throughput.set(key, throughput);
    let next = 0;
    const one = async () => {
      signal?.throwIfAborted();
      const r = requests[next++ % requests.length] as ResolvedRequest;
      const exchange = await endpoint.send(r.path);
      // A failing request is not a sample: an error page is fast, and timing it would flatter.
      if (exchange.status !== 200) throw new Error(`${r.label} (${r.path.slice(0, 120)}) answered ${exchange.status} while timing: ${exchange.body.slice(0, 200)}`);
      taken.push(exchange.wallMs);
      waits.push(exchange.log.poolWaitMs);
      if (task.instrumented) timed.maxQueries.set(task.name, Math.max(timed.maxQueries.get(task.name) ?? 0, exchange.log.count));
      return exchange.wallMs;
    };
    // One iteration: `concurrency` requests in flight together through the pool.
    bench.add(key, async () => {
      const started = performance.now();
      const walls = await Promise.all(Array.from({ length: sampling.concurrency }, one));
      throughput.requests += walls.length;
      throughput.ms += performance.now() - started;
      return { overriddenDuration: Math.max(...walls) };
    });
  }
  const started = performance.now();
  const all = [...timed.samples.values()];
  const enough = () =>
    all.every((s) => s.length >= sampling.minSamples) && (all.every((s) => s.length >= sampling.samples) || performance.now() - started > sampling.maxMs);
  // Each round starts one task later: whoever follows the baseline (and its garbage) changes
  // every round, so no implementation owns a position in the turn order.
  for (let round = 0; !enough(); round++) {
    signal?.throwIfAborted();
    const taken = all.reduce((sum, s) => sum + s.length, 0);
    const n = bench.tasks.length;
    const order = bench.tasks.map((_, i) => bench.tasks[(i + round) % n] as (typeof bench.tasks)[number]);
    for (const task of order) {
      const instrumented = !task.name.endsWith('(uninstrumented)');
      if (!instrumented) recorder.detach();
      try {
        task.reset(false);
        await task.run();
      } finally {
        if (!instrumented) recorder.attach();
      }
    }
    // A round that took no sample would loop forever without ever yielding to a timer or signal.
    if (all.reduce((sum, s) => sum + s.length, 0) === taken) throw new Error('sampling made no progress: a round took no sample');
  }
  return timed;
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

function rate(t: { requests: number; ms: number } | undefined): number {
  return t === undefined || t.ms === 0 ? 0 : (t.requests / t.ms) * 1000;
}

function median(values: number[]): number {
  return values.length === 0 ? 0 : summarize(values).p50;
}
