import type { QueryRecorder } from '../instrument/query-recorder.js';
import { medianAbsoluteDeviation, pairRounds } from '../paired-statistics.js';
import { minSamplesForQuantileInterval } from '../quantile-interval.js';
import { MIN_PAIRED_ROUNDS, PAIRED_CONFIDENCE } from '../core/defaults.js';
import { normalQuantile } from '../normal-distribution.js';
import { createRandom, type Random } from '../random.js';
import type { StopReason } from '../result.js';
import { batchedQuantileInterval } from '../stats/batched-quantile-interval.js';
import type { LoopbackEndpoint } from './loopback-endpoint.js';
import type { ResolvedRequest } from './resolve-requests.js';
import type { SamplingOptions } from './sampling-options.js';

/**
 * What a contender is in the rounds: `judged` gets a slice of time every round (the
 * implementation under test and what it is judged against); `reference` one request per round
 * until it has enough; `probe` (the harness's drift probe) a few requests every round.
 */
export type ContenderRole = 'judged' | 'reference' | 'probe';

export interface Contender {
  /** The name its samples are kept under. */
  key: string;
  endpoint: LoopbackEndpoint;
  role: ContenderRole;
  /** False: timed with the recorder's listeners off and outside its request scope. */
  instrumented: boolean;
  /** The recorder of the database it is served from (switched off for its turns when uninstrumented). */
  recorder: QueryRecorder;
}

/** Everything timed of one contender. */
export interface ContenderSamples {
  samples: number[];
  /** Round of each sample. */
  rounds: number[];
  poolWaitMs: number[];
  /** Statements per request, max over the timed requests (0 when uninstrumented). */
  maxQueries: number;
  /** Completed requests and the wall time spent on them. */
  requests: number;
  ms: number;
}

export interface SamplingOutcome {
  byKey: Map<string, ContenderSamples>;
  rounds: number;
  stoppedBy: StopReason;
  elapsedMs: number;
}

/**
 * Times the contenders in interleaved rounds whose turn order is drawn anew every round (a
 * seeded shuffle), until the judged figures are precise enough, the budget is spent, or the judged
 * contenders hit the sample cap. `pairs` name the judged contenders whose per-round ratios are
 * the judged figures; without any, each judged contender's own p50 and p95 are.
 */
export async function sampleRounds(
  contenders: readonly Contender[],
  requests: readonly ResolvedRequest[],
  options: SamplingOptions,
  pairs: readonly (readonly [string, string])[],
  signal?: AbortSignal,
): Promise<SamplingOutcome> {
  const byKey = new Map<string, ContenderSamples>();
  for (const c of contenders) byKey.set(c.key, { samples: [], rounds: [], poolWaitMs: [], maxQueries: 0, requests: 0, ms: 0 });
  const random = createRandom(options.seed);
  const started = performance.now();
  const judged = contenders.filter((c) => c.role === 'judged');

  // Every contender's turn in round r walks the requests from the r-th on: the two sides of a
  // pair answer the same requests in the same round (with one request per turn, the very same
  // one), so a round's ratio compares like with like, not one artifact's cost with another's.
  const iteration = async (c: Contender, round: number, position: { k: number }) => {
    const taken = byKey.get(c.key) as ContenderSamples;
    const began = performance.now();
    const one = async () => {
      signal?.throwIfAborted();
      const r = requests[(round + position.k++) % requests.length] as ResolvedRequest;
      const exchange = await c.endpoint.send(r.path);
      // A failing request is not a sample: an error page is fast, and timing it would flatter.
      if (exchange.status !== 200) throw new Error(`${r.label} (${r.path.slice(0, 120)}) answered ${exchange.status} while timing: ${exchange.body.slice(0, 200)}`);
      taken.samples.push(exchange.wallMs);
      taken.rounds.push(round);
      taken.poolWaitMs.push(exchange.log.poolWaitMs);
      if (c.instrumented) taken.maxQueries = Math.max(taken.maxQueries, exchange.log.count);
    };
    // One iteration: `concurrency` requests in flight together through the pool.
    await Promise.all(Array.from({ length: options.concurrency }, one));
    taken.requests += options.concurrency;
    taken.ms += performance.now() - began;
  };

  const turn = async (c: Contender, round: number) => {
    if (!c.instrumented) c.recorder.detach();
    const position = { k: 0 };
    try {
      if (c.role === 'judged') {
        const until = performance.now() + options.sliceMs;
        do await iteration(c, round, position);
        while (performance.now() < until);
      } else {
        await iteration(c, round, position);
      }
    } finally {
      if (!c.instrumented) c.recorder.attach();
    }
  };

  const count = (c: Contender) => (byKey.get(c.key) as ContenderSamples).samples.length;
  const references = contenders.filter((c) => c.role === 'reference');
  const referenceMs = () => references.reduce((sum, c) => sum + (byKey.get(c.key) as ContenderSamples).ms, 0);
  // References share at most `referenceShare` of the time so far: a 100 ms baseline must not eat
  // the budget of a 3 ms implementation under test. Each takes its first request at once.
  const probes = contenders.filter((c) => c.role === 'probe');
  const probeMs = () => probes.reduce((sum, c) => sum + (byKey.get(c.key) as ContenderSamples).ms, 0);
  const active = (c: Contender, room: { references: boolean; probe: boolean }) =>
    c.role === 'judged' ||
    (c.role === 'probe' && (count(c) === 0 || room.probe)) ||
    (c.role === 'reference' && count(c) < options.referenceSamples && (count(c) === 0 || room.references));
  // Judged contenders: enough for an interval of their p95, so that its gate never rests on fewer.
  const minimum = (c: Contender) => (c.role === 'judged' ? Math.max(options.minSamples, JUDGED_MIN_SAMPLES) : Math.min(options.minSamples, options.referenceSamples));
  const everyoneHasMinimum = () => contenders.every((c) => count(c) >= minimum(c));

  let round = 0;
  let stoppedBy: StopReason | null = null;
  let nextCheck = 0;
  for (; ; round++) {
    signal?.throwIfAborted();
    const elapsed = performance.now() - started;
    // Once a stop rule has fired, only what still lacks its minimum takes turns, without waiting for its share.
    const room = stoppedBy !== null
      ? { references: true, probe: true }
      : { references: referenceMs() <= options.referenceShare * elapsed, probe: probeMs() <= options.probeShare * elapsed };
    const turns = contenders.filter((c) => active(c, room) && (stoppedBy === null || count(c) < minimum(c)));
    for (const c of shuffled(turns, random)) await turn(c, round);
    stoppedBy ??= stopRule(round + 1);
    if (stoppedBy !== null && everyoneHasMinimum()) break;
  }
  return { byKey, rounds: round + 1, stoppedBy, elapsedMs: performance.now() - started };

  function stopRule(rounds: number): StopReason | null {
    // The cap never stops a judged contender short of the samples its p95 interval needs.
    if (judged.length > 0 && judged.every((c) => count(c) >= Math.max(options.maxSamples, minimum(c)))) return 'samples';
    if (rounds >= options.minRounds && performance.now() >= nextCheck) {
      nextCheck = performance.now() + CHECK_EVERY_MS;
      if (precise(byKey, judged, pairs, options.targetPrecision)) return 'precision';
    }
    return performance.now() - started > options.budgetMs ? 'budget' : null;
  }
}

/** Samples of a judged contender before the budget may end sampling: the fewest with a 95% interval of p95 (equal tails). */
const JUDGED_MIN_SAMPLES = minSamplesForQuantileInterval(95);

/** z of the two-sided interval the paired verdicts use (2.576 at 0.99). */
const PAIRED_Z = normalQuantile(1 - (1 - PAIRED_CONFIDENCE) / 2);

/** How often the precision rule looks at the judged figure, ms: its interval costs more than a request. */
const CHECK_EVERY_MS = 250;

/** Whether the judged figures' intervals are narrow enough to stop. */
function precise(byKey: Map<string, ContenderSamples>, judged: readonly Contender[], pairs: readonly (readonly [string, string])[], target: number): boolean {
  // The implementation under test's own p50 and p95 are judged figures too (the p95 gate).
  const own = (key: string) => {
    const taken = byKey.get(key);
    if (taken === undefined || taken.samples.length === 0) return false;
    // Intervals over rounds in time order: under slow drift the order-statistic ones are too narrow and would stop early.
    const p50 = batchedQuantileInterval({ samples: taken.samples, rounds: taken.rounds }, 50);
    const p95 = batchedQuantileInterval({ samples: taken.samples, rounds: taken.rounds }, 95);
    return p50.ci !== null && p95.ci !== null && (p50.ci[1] - p50.ci[0]) / 2 / p50.value <= target && (p95.ci[1] - p95.ci[0]) / 2 / p95.value <= 3 * target;
  };
  if (pairs.length === 0) return judged.every((c) => own(c.key));
  return pairs.every((pair) => pairPrecise(byKey, pair, target)) && [...new Set(pairs.map(([subject]) => subject))].every(own);
}

function pairPrecise(byKey: Map<string, ContenderSamples>, pair: readonly [string, string], target: number): boolean {
  const [a, b] = pair.map((key) => byKey.get(key)) as [ContenderSamples | undefined, ContenderSamples | undefined];
  if (a === undefined || b === undefined) return false;
  const logs = pairRounds(a.samples, a.rounds, b.samples, b.rounds).map((r) => Math.log(r.ratio));
  if (logs.length < MIN_PAIRED_ROUNDS) return false;
  // The half-width the paired interval will have, from a robust spread of the log ratios: the
  // Hodges-Lehmann interval itself costs O(n^2) and is computed once, at the end.
  const spread = 1.4826 * medianAbsoluteDeviation(logs);
  return (PAIRED_Z * Math.sqrt(Math.PI / 3) * spread) / Math.sqrt(logs.length) <= target;
}

/** A uniformly random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
