/**
 * The harness's own cost per request of fixed's list-50, against that request's p50 in the same
 * process. `npm run bench:overhead` (SQLite, the small fixture, seed 42) prints a table; exit code 1
 * when the overhead is above MAX_OVERHEAD_RATIO of the p50. Figures go into docs/figures.md.
 *
 * tinybench measures the parts, each an instrumented task minus its bare twin: the recorder per
 * statement, the request's scope (RequestLog, record()'s await), fingerprinting, and the request
 * itself. The parts are a lower bound: hot in a micro loop, they miss what they do to the code
 * around them. The whole request's overhead is measured as querygate measures, sides alternating
 * in blocks, paired per round: instrumented against bare, with no AsyncLocalStorage enabled on
 * either side, as the sampler's turns at its default concurrency of 1. Only while requests overlap
 * (`--concurrency` above 1) does the recorder enable its AsyncLocalStorage, which on Node 20 hooks
 * every promise, tick and timer of the process: that cost per async resource is shown apart.
 */
import { AsyncLocalStorage, createHook, executionAsyncId } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { cpus } from 'node:os';
import type { Knex } from 'knex';
import { Bench, type Fn, type FnReturnedObject, type Statistics } from 'tinybench';
import { list50 } from '../../scenarios/list-50.js';
import { openAdapter } from '../db/open-adapter.js';
import { openFixture } from '../fixture-store/fixture-store.js';
import { fingerprint } from '../instrument/fingerprint.js';
import { QueryRecorder, RequestLog, type RecordedQuery } from '../instrument/query-recorder.js';
import { LoopbackEndpoint } from '../runner/loopback-endpoint.js';
import { resolveRequests, type ResolvedRequest } from '../runner/resolve-requests.js';
import { handlerFactoryFor } from '../runner/served-implementation.js';

/** The harness's cost may be at most this fraction of fixed's list-50 p50. */
export const MAX_OVERHEAD_RATIO = 0.02;
/** tinybench's time budget per micro-benchmark task, ms. */
export const DEFAULT_MICRO_TIME_MS = 500;
/** tinybench's time budget per request task, ms. */
export const DEFAULT_REQUEST_TIME_MS = 2000;
/** Time of each of the two paired whole-request comparisons, ms; 0 skips them. */
export const DEFAULT_PAIRED_TIME_MS = 15_000;
/** Replays of a request's statements per iteration: one statement is near the timer's grain. */
const STATEMENT_REPLAYS = 20;
const SCOPE_BATCH = 100;
const AWAIT_BATCH = 200;
/** A block of the paired comparison: requests after a switch untimed (a switched hook deoptimizes), then timed ones. */
const BLOCK = { untimed: 3, timed: 15 };
const MIN_ROUNDS = 8;
const IMPL = 'fixed';

/** Time budgets in ms; defaults: DEFAULT_MICRO_TIME_MS, DEFAULT_REQUEST_TIME_MS, DEFAULT_PAIRED_TIME_MS, MAX_OVERHEAD_RATIO. */
export interface OverheadOptions {
  /** The fixture database fixed is served from (tests and the CLI: SQLite, the small fixture). */
  db: Knex;
  microTimeMs?: number;
  requestTimeMs?: number;
  pairedTimeMs?: number;
  maxRatio?: number;
}

/** One tinybench task's latency statistics; mad: median absolute deviation, unscaled. */
export type TaskFigure = { p50: number; mad: number; samples: number };

/** What instrumentation adds, ns: the instrumented task's median minus its bare twin's. */
export type AddedCost = { ns: number; instrumented: TaskFigure; bare: TaskFigure };

/** A whole-request difference, ns: the median over rounds of (instrumented block's fastest - bare block's fastest). */
export interface PairedCost {
  ns: number;
  /** Standard error of that median (normal approximation, from the differences' MAD). */
  seNs: number;
  rounds: number;
}

export interface OverheadResult {
  impl: typeof IMPL;
  scenario: string;
  /** Statements of one list-50 request of fixed, counted by the recorder. */
  statementsPerRequest: number;
  /** Async resources (promises, ticks, timers, sockets) of one list-50 request, client and server side. */
  asyncResourcesPerRequest: number;
  /** Per statement: the recorder's listeners on the pool's acquire and knex's query events, in a request's scope. */
  recorderPerStatement: AddedCost;
  /** Per request: a RequestLog and record()'s await, the request alone in flight (LoopbackEndpoint's `in-flight` attribution). */
  requestScope: AddedCost;
  /** Per async resource, while an AsyncLocalStorage is enabled and inside its scope: only while requests overlap. */
  contextPropagation: AddedCost;
  /** ns per statement. Off the timed path: only the profiling pass and the reports fingerprint. */
  fingerprintPerStatement: TaskFigure;
  /** ms: fixed's request, wall clock minus its statements' summed time (HTTP, routing, knex, JSON). */
  requestAssemblyMs: TaskFigure;
  /** ms: fixed's request as the sampler times it: instrumented, wall clock as the client sees it. */
  fixedP50Ms: TaskFigure;
  /** ns per request, the parts added: statements x recorder + scope; a lower bound. */
  partsNs: number;
  /** partsNs over fixed's p50. */
  partsRatio: number;
  /** Whole requests, instrumented against bare, and its ratio to fixed's p50 (null when pairedTimeMs is 0). */
  paired: (PairedCost & { ratio: number }) | null;
  maxRatio: number;
  environment: { node: string; cpu: string; cpus: number };
}

/** Measures the harness's own cost per request of fixed's list-50 and its ratio to that request's p50. */
export async function measureOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const defaults = { microTimeMs: DEFAULT_MICRO_TIME_MS, requestTimeMs: DEFAULT_REQUEST_TIME_MS, pairedTimeMs: DEFAULT_PAIRED_TIME_MS, maxRatio: MAX_OVERHEAD_RATIO };
  const o: Required<OverheadOptions> = { ...defaults, ...options };
  const requests = await resolveRequests(o.db, list50, 42);
  const bare = await LoopbackEndpoint.start(o.db, IMPL, handlerFactoryFor(IMPL), null);
  const recorder = new QueryRecorder(o.db);
  let instrumented: LoopbackEndpoint | undefined;
  try {
    const contextPropagation = await measurePropagation(o.microTimeMs);
    const asyncResourcesPerRequest = await countResourcesPerRequest(bare, requests);
    instrumented = await LoopbackEndpoint.start(o.db, IMPL, handlerFactoryFor(IMPL), recorder.attach());
    const logs: RequestLog[] = [];
    for (const r of requests) logs.push((await instrumented.send(r.path)).log);
    const statementsPerRequest = Math.max(...logs.map((l) => l.count));
    const statements = logs[0]?.queries ?? [];
    const recorderPerStatement = await measureRecorder(statements, o.microTimeMs);
    const fingerprintPerStatement = await measureFingerprint(statements, o.microTimeMs);
    const requestScope = await measureScope(o.microTimeMs);
    const { fixedP50Ms, requestAssemblyMs } = await measureRequests(instrumented, requests, o.requestTimeMs);
    const p50Ns = fixedP50Ms.p50 * 1e6;
    const paired = o.pairedTimeMs > 0 ? await pairedBlocks([bareSide(bare, recorder), side(instrumented)], requests, o.pairedTimeMs) : null;
    const partsNs = recorderPerStatement.ns * statementsPerRequest + requestScope.ns;
    return {
      impl: IMPL, scenario: list50.name, statementsPerRequest, asyncResourcesPerRequest,
      recorderPerStatement, requestScope, contextPropagation, fingerprintPerStatement, requestAssemblyMs, fixedP50Ms,
      partsNs, partsRatio: partsNs / p50Ns,
      paired: paired === null ? null : { ...paired, ratio: paired.ns / p50Ns }, maxRatio: o.maxRatio,
      environment: { node: process.version, cpu: cpus()[0]?.model.trim() ?? 'unknown', cpus: cpus().length },
    };
  } finally {
    await instrumented?.close();
    await bare.close();
    recorder.detach();
  }
}

/** Runs tasks (all sync or all async) with tinybench, one after another; their latency figures times `scale` (ms to ns: 1e6). */
async function runTasks(timeMs: number, tasks: Record<string, Fn>, scale: number, async = false): Promise<Record<string, TaskFigure>> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(250, timeMs / 4), throws: true });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn, { async });
  await bench.run();
  const figures: Record<string, TaskFigure> = {};
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`tinybench task ${task.name} ended ${result.state}`);
    figures[task.name] = figure(result.latency, scale);
  }
  return figures;
}

const figure = (latency: Statistics, scale: number): TaskFigure => ({ p50: latency.p50 * scale, mad: latency.mad * scale, samples: latency.samplesCount });

function added(figures: Record<string, TaskFigure>): AddedCost {
  const { instrumented, bare } = figures as { instrumented: TaskFigure; bare: TaskFigure };
  return { ns: instrumented.p50 - bare.p50, instrumented, bare };
}

/** A batch's time per unit as tinybench's sample, the whole batch as its iteration's cost. */
function perUnit(ms: number, units: number): FnReturnedObject {
  return { overriddenDuration: ms / units, overriddenIterationCost: ms };
}

/** Stands in for a knex instance and its pool: the same EventEmitter dispatch, without a database. */
function standInKnex(): { db: Knex; events: EventEmitter; pool: EventEmitter } {
  const pool = new EventEmitter();
  const events = Object.assign(new EventEmitter(), { client: { pool } });
  return { db: events as unknown as Knex, events, pool };
}

/** Per statement: the events knex and its pool emit for one statement, replayed with the request's own SQL and rows. */
async function measureRecorder(statements: readonly RecordedQuery[], timeMs: number): Promise<AddedCost> {
  const connection = { __knexUid: 'c0' };
  const replayed = statements.map((q, i) => ({
    event: { __knexUid: connection.__knexUid, __knexQueryUid: `q${i}`, sql: q.sql, bindings: q.bindings, method: q.method ?? 'select' },
    response: Array.from({ length: q.rows ?? 0 }, () => ({})),
  }));
  const units = STATEMENT_REPLAYS * replayed.length;
  const replay = ({ events, pool }: ReturnType<typeof standInKnex>) => {
    for (let k = 0; k < STATEMENT_REPLAYS; k++) {
      replayed.forEach(({ event, response }, i) => {
        pool.emit('acquireRequest', i);
        pool.emit('acquireSuccess', i, connection);
        events.emit('query', event);
        events.emit('query-response', response, event);
      });
    }
  };
  const [observed, unobserved] = [standInKnex(), standInKnex()];
  const recorder = new QueryRecorder(observed.db).attach();
  const instrumented = () => {
    let ms = 0;
    // record() calls back synchronously: the replay runs while the request is in flight, as knex's events do.
    void recorder.record(() => {
      const started = performance.now();
      replay(observed);
      ms = performance.now() - started;
      return Promise.resolve();
    }, new RequestLog(), 'in-flight');
    return perUnit(ms, units);
  };
  const bare = () => {
    const started = performance.now();
    replay(unobserved);
    return perUnit(performance.now() - started, units);
  };
  const figures = await runTasks(timeMs, { instrumented, bare }, 1e6);
  recorder.detach();
  return added(figures);
}

/** ns per statement for the statement normalization of snapshots and reports. */
async function measureFingerprint(statements: readonly RecordedQuery[], timeMs: number): Promise<TaskFigure> {
  let length = 0;
  const fingerprintAll = () => {
    const started = performance.now();
    for (let k = 0; k < STATEMENT_REPLAYS; k++) for (const q of statements) length += fingerprint(q.sql).length;
    return perUnit(performance.now() - started, STATEMENT_REPLAYS * statements.length);
  };
  const figures = await runTasks(timeMs, { fingerprint: fingerprintAll }, 1e6);
  if (length === 0) throw new Error('fingerprinting produced nothing: no statements were recorded');
  return figures.fingerprint as TaskFigure;
}

/** Per request: what LoopbackEndpoint's instrumented path does beyond the bare one (log, record(), await). */
async function measureScope(timeMs: number): Promise<AddedCost> {
  const recorder = new QueryRecorder(standInKnex().db);
  const done = () => Promise.resolve();
  const batch = (one: () => Promise<unknown>) => async () => {
    const started = performance.now();
    for (let k = 0; k < SCOPE_BATCH; k++) await one();
    return perUnit(performance.now() - started, SCOPE_BATCH);
  };
  const tasks = { instrumented: batch(() => recorder.record(done, new RequestLog(), 'in-flight')), bare: batch(done) };
  return added(await runTasks(timeMs, tasks, 1e6, true));
}

async function awaitChain(): Promise<void> {
  for (let k = 0; k < AWAIT_BATCH; k++) await null;
}

/** Async resources `fn` creates, counted by an init hook (which, like a storage's, turns on V8's promise hooks). */
async function countResources(fn: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const hook = createHook({ init: () => void (count += 1) }).enable();
  await fn().finally(() => hook.disable());
  return count;
}

/** ns per async resource: a chain of awaits inside an enabled AsyncLocalStorage's scope, and with none enabled. */
async function measurePropagation(timeMs: number): Promise<AddedCost> {
  const resources = await countResources(awaitChain);
  const task = async () => {
    const started = performance.now();
    await awaitChain();
    return perUnit(performance.now() - started, resources);
  };
  const bare = await runTasks(timeMs, { bare: task }, 1e6, true);
  const storage = new AsyncLocalStorage<RequestLog>();
  try {
    const instrumented = await storage.run(new RequestLog(), () => runTasks(timeMs, { instrumented: task }, 1e6, true));
    return added({ ...bare, ...instrumented });
  } finally {
    storage.disable();
  }
}

/** Async resources of one bare list-50 request (median over the scenario's requests, after a warm-up). */
async function countResourcesPerRequest(endpoint: LoopbackEndpoint, requests: readonly ResolvedRequest[]): Promise<number> {
  for (const r of requests) await endpoint.send(r.path);
  const counts: number[] = [];
  for (const r of requests) counts.push(await countResources(() => endpoint.send(r.path)));
  return median(counts);
}

/** Fixed's requests in turn: the wall clock as the sampler records it, and the same minus the statements' time. */
async function measureRequests(endpoint: LoopbackEndpoint, requests: readonly ResolvedRequest[], timeMs: number) {
  let next = 0;
  const send = async () => {
    const r = requests[next++ % requests.length] as ResolvedRequest;
    const exchange = await endpoint.send(r.path);
    if (exchange.status !== 200) throw new Error(`${r.label} answered ${exchange.status}: ${exchange.body.slice(0, 200)}`);
    return exchange;
  };
  // Both spend their budget by the whole request's time, not by their sample.
  const request = async (): Promise<FnReturnedObject> => {
    const { wallMs } = await send();
    return { overriddenDuration: wallMs, overriddenIterationCost: wallMs };
  };
  const assembly = async (): Promise<FnReturnedObject> => {
    const { wallMs, log } = await send();
    return { overriddenDuration: Math.max(0, wallMs - log.dbTimeMs), overriddenIterationCost: wallMs };
  };
  const figures = await runTasks(timeMs, { request, assembly }, 1, true);
  return { fixedP50Ms: figures.request as TaskFigure, requestAssemblyMs: figures.assembly as TaskFigure };
}

/** One side of a paired comparison: an endpoint, and what switches the process to this side and back. */
type Side = { endpoint: LoopbackEndpoint; enter: () => void; leave: () => void };

const side = (endpoint: LoopbackEndpoint, enter = () => {}, leave = () => {}): Side => ({ endpoint, enter, leave });

/** The bare side, as the sampler's uninstrumented turns: the recorder's listeners off and no async hooks in the process. */
function bareSide(endpoint: LoopbackEndpoint, recorder: QueryRecorder): Side {
  const enter = () => {
    recorder.detach();
    // Entered in a promise continuation, where Node reports async id 0 while its async hooks are off.
    if (recorder.tracksContext || executionAsyncId() !== 0) throw new Error('async hooks are on with no request in flight: the bare side would not be bare');
  };
  return side(endpoint, enter, () => recorder.attach());
}

/**
 * Whole requests in alternating blocks, the order flipped every round (ABBA), for `timeMs` and at
 * least MIN_ROUNDS rounds: the median over rounds of (second side's block statistic - first's), ns.
 * A block's statistic is its fastest request: the one no other process on a shared machine interrupted.
 */
async function pairedBlocks(sides: readonly [Side, Side], requests: readonly ResolvedRequest[], timeMs: number): Promise<PairedCost> {
  const path = (k: number) => (requests[k % requests.length] as ResolvedRequest).path;
  const block = async ({ endpoint, enter, leave }: Side) => {
    enter();
    try {
      for (let k = 0; k < BLOCK.untimed; k++) await endpoint.send(path(k));
      const wall: number[] = [];
      for (let k = 0; k < BLOCK.timed; k++) wall.push((await endpoint.send(path(k))).wallMs);
      return Math.min(...wall);
    } finally {
      leave();
    }
  };
  const differences: number[] = [];
  const until = performance.now() + timeMs;
  for (let round = 0; round < MIN_ROUNDS || performance.now() < until; round++) {
    const fastest = [0, 0];
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) fastest[i] = await block(sides[i] as Side);
    differences.push((fastest[1] as number) - (fastest[0] as number));
  }
  const mid = median(differences);
  const mad = median(differences.map((d) => Math.abs(d - mid)));
  return { ns: mid * 1e6, seNs: (1.2533 * 1.4826 * mad * 1e6) / Math.sqrt(differences.length), rounds: differences.length };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const ns = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1));
const us = (value: number): string => `${ns(value / 1000)} us`;
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** The result as a short markdown table, the judged ratio under it. */
export function overheadMarkdown(r: OverheadResult): string {
  const cost = (c: AddedCost, times = 1) => [`${ns(c.ns)} ns (${ns(c.instrumented.p50)} - ${ns(c.bare.p50)})`, `${times === 1 ? '' : `x ${times}: `}${us(c.ns * times)}`];
  const paired = (c: PairedCost) => ['', `${us(c.ns)} +- ${us(c.seNs)} (${c.rounds} rounds)`];
  const timed = (f: TaskFigure) => [`${f.p50.toFixed(3)} ms (MAD ${f.mad.toFixed(3)}, n ${f.samples})`, ''];
  const rows = [
    ['recorder, per statement', ...cost(r.recorderPerStatement, r.statementsPerRequest)],
    ['request scope, per request', ...cost(r.requestScope)],
    ['**the parts added**', '', `**${us(r.partsNs)}** (${pct(r.partsRatio)})`],
    ['fingerprint, per statement (profiling pass only)', `${ns(r.fingerprintPerStatement.p50)} ns`, `(x ${r.statementsPerRequest}: ${us(r.fingerprintPerStatement.p50 * r.statementsPerRequest)})`],
    ['async context propagation, per async resource (only while requests overlap)', ...cost(r.contextPropagation, r.asyncResourcesPerRequest)],
    ...(r.paired === null
      ? []
      : [
          ['whole request: instrumented vs bare', ...paired(r.paired)],
          ['**whole request**', '', `**${us(r.paired.ns)}** (${pct(r.paired.ratio)})`],
        ]),
    ['request assembly: wall - statements', ...timed(r.requestAssemblyMs)],
    [`${r.impl} ${r.scenario} p50, instrumented`, ...timed(r.fixedP50Ms)],
  ];
  const judged = judgedRatio(r);
  return [
    '| figure | tinybench median: instrumented - bare | per request |',
    '| --- | ---: | ---: |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
    '',
    `Overhead (${r.paired === null ? 'the parts' : 'whole request'}) ${pct(judged)} of ${r.impl}'s ${r.scenario} p50: ${judged > r.maxRatio ? 'over' : 'within'} ` +
      `the ${pct(r.maxRatio)} budget. Node ${r.environment.node}, ${r.environment.cpu} x ${r.environment.cpus}.`,
  ].join('\n');
}

/** The whole request's ratio where it was measured, else the parts' (a lower bound). */
export const judgedRatio = (r: OverheadResult): number => r.paired?.ratio ?? r.partsRatio;

async function main(): Promise<number> {
  const adapter = await openAdapter('sqlite', {});
  try {
    const fixture = await openFixture({ adapter, profile: 'small', seed: 42 });
    process.stdout.write(`npm run bench:overhead (${new Date().toISOString().slice(0, 16)}Z; SQLite, fixture small seed 42)\n\n`);
    const result = await measureOverhead({ db: fixture.db });
    process.stdout.write(`${overheadMarkdown(result)}\n`);
    return judgedRatio(result) > result.maxRatio ? 1 : 0;
  } finally {
    await adapter.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
