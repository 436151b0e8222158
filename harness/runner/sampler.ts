import type { QueryRecorder } from '../instrument/query-recorder.js';
import { minimumDetectableEffect, pairedRatio, pairRounds, predictedHalfWidth } from '../stats/paired-statistics.js';
import { minSamplesForQuantileInterval } from '../stats/quantile-interval.js';
import { MIN_PAIRED_ROUNDS, PAIRED_CONFIDENCE } from '../core/defaults.js';
import { createRandom, type Random } from '../stats/random.js';
import type { StopReason } from '../core/result.js';
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
  return new RoundSampler(contenders, requests, options, pairs, signal).run();
}

/** Who may take a turn this round beside the judged contenders. */
interface Room {
  references: boolean;
  probe: boolean;
}

/** One scenario's timed rounds: the contenders' samples so far, and the rules that give turns and stop. */
class RoundSampler {
  private readonly byKey = new Map<string, ContenderSamples>();
  private readonly random: Random;
  private readonly judged: readonly Contender[];
  private started = 0;
  private nextCheck = 0;
  /** Per pair, when its MDE was last computed in full and found short of the target (see pairPrecise). */
  private readonly confirmed = new Map<string, Confirmation>();

  constructor(
    private readonly contenders: readonly Contender[],
    private readonly requests: readonly ResolvedRequest[],
    private readonly options: SamplingOptions,
    private readonly pairs: readonly (readonly [string, string])[],
    private readonly signal: AbortSignal | undefined,
  ) {
    for (const c of contenders) this.byKey.set(c.key, { samples: [], rounds: [], poolWaitMs: [], maxQueries: 0, requests: 0, ms: 0 });
    this.random = createRandom(options.seed);
    this.judged = contenders.filter((c) => c.role === 'judged');
  }

  async run(): Promise<SamplingOutcome> {
    this.started = performance.now();
    let round = 0;
    let stoppedBy: StopReason | null = null;
    for (; ; round++) {
      this.signal?.throwIfAborted();
      // Once a stop rule has fired, only what still lacks its minimum takes turns, without waiting for its share.
      const room = stoppedBy !== null ? { references: true, probe: true } : this.room(performance.now() - this.started);
      const turns = this.contenders.filter((c) => this.active(c, room) && (stoppedBy === null || this.count(c) < this.minimum(c)));
      for (const c of shuffled(turns, this.random)) await this.turn(c, round);
      stoppedBy ??= this.stopRule(round + 1);
      if (stoppedBy !== null && this.contenders.every((c) => this.count(c) >= this.minimum(c))) break;
    }
    return { byKey: this.byKey, rounds: round + 1, stoppedBy, elapsedMs: performance.now() - this.started };
  }

  private taken(c: Contender): ContenderSamples {
    return this.byKey.get(c.key) as ContenderSamples;
  }

  private count(c: Contender): number {
    return this.taken(c).samples.length;
  }

  /** Time spent so far by the contenders of one role. */
  private msOf(role: ContenderRole): number {
    return this.contenders.filter((c) => c.role === role).reduce((sum, c) => sum + this.taken(c).ms, 0);
  }

  /**
   * References share at most `referenceShare` of the time so far: a 100 ms baseline must not eat
   * the budget of a 3 ms implementation under test; the probe at most `probeShare`.
   */
  private room(elapsed: number): Room {
    return { references: this.msOf('reference') <= this.options.referenceShare * elapsed, probe: this.msOf('probe') <= this.options.probeShare * elapsed };
  }

  /** Judged contenders take every round; the probe and the references when there is room, and their first request at once. */
  private active(c: Contender, room: Room): boolean {
    const n = this.count(c);
    return c.role === 'judged' || (c.role === 'probe' && (n === 0 || room.probe)) || (c.role === 'reference' && n < this.options.referenceSamples && (n === 0 || room.references));
  }

  /** Judged contenders: enough for an interval of their p95, so that its gate never rests on fewer. */
  private minimum(c: Contender): number {
    return c.role === 'judged' ? Math.max(this.options.minSamples, JUDGED_MIN_SAMPLES) : Math.min(this.options.minSamples, this.options.referenceSamples);
  }

  /** A contender's turn in a round: a slice of time when judged, else one iteration. */
  private async turn(c: Contender, round: number): Promise<void> {
    // Bare: no listeners, and with no request in flight the recorder's AsyncLocalStorage is disabled (no async hooks).
    if (!c.instrumented) c.recorder.detach();
    const position = { k: 0 };
    try {
      if (c.role === 'judged') {
        const until = performance.now() + this.options.sliceMs;
        do await this.iteration(c, round, position);
        while (performance.now() < until);
      } else {
        await this.iteration(c, round, position);
      }
    } finally {
      if (!c.instrumented) c.recorder.attach();
    }
  }

  /**
   * One iteration: `concurrency` requests in flight together through the pool. Every contender's
   * turn in round r walks the requests from the r-th on: the two sides of a pair answer the same
   * requests in the same round (with one request per turn, the very same one), so a round's ratio
   * compares like with like, not one artifact's cost with another's.
   */
  private async iteration(c: Contender, round: number, position: { k: number }): Promise<void> {
    const taken = this.taken(c);
    const began = performance.now();
    const one = async () => {
      this.signal?.throwIfAborted();
      const r = this.requests[(round + position.k++) % this.requests.length] as ResolvedRequest;
      const exchange = await c.endpoint.send(r.path);
      // A failing request is not a sample: an error page is fast, and timing it would flatter.
      if (exchange.status !== 200) throw new Error(`${r.label} (${r.path.slice(0, 120)}) answered ${exchange.status} while timing: ${exchange.body.slice(0, 200)}`);
      taken.samples.push(exchange.wallMs);
      taken.rounds.push(round);
      taken.poolWaitMs.push(exchange.log.poolWaitMs);
      if (c.instrumented) taken.maxQueries = Math.max(taken.maxQueries, exchange.log.count);
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, one));
    taken.requests += this.options.concurrency;
    taken.ms += performance.now() - began;
  }

  private stopRule(rounds: number): StopReason | null {
    // The cap never stops a judged contender short of the samples its p95 interval needs.
    if (this.judged.length > 0 && this.judged.every((c) => this.count(c) >= Math.max(this.options.maxSamples, this.minimum(c)))) return 'samples';
    if (rounds >= this.options.minRounds && performance.now() >= this.nextCheck) {
      this.nextCheck = performance.now() + CHECK_EVERY_MS;
      if (precise(this.byKey, this.judged, this.pairs, this.options, this.confirmed)) return 'precision';
    }
    return performance.now() - this.started > this.options.budgetMs ? 'budget' : null;
  }
}

/** Samples of a judged contender before the budget may end sampling: the fewest with a 95% interval of p95 (equal tails). */
const JUDGED_MIN_SAMPLES = minSamplesForQuantileInterval(95);

/** How often the precision rule looks at the judged figure, ms: its interval costs more than a request. */
const CHECK_EVERY_MS = 250;

/** Whether the judged figures' intervals are narrow enough to stop. */
function precise(byKey: Map<string, ContenderSamples>, judged: readonly Contender[], pairs: readonly (readonly [string, string])[], options: SamplingOptions, confirmed: Map<string, Confirmation>): boolean {
  const target = options.targetPrecision;
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
  // With an MDE target (--against) the pair is the judged figure; the subject's own p95 has its interval by the minimum samples.
  const subjects = options.mde === undefined ? [...new Set(pairs.map(([subject]) => subject))] : [];
  return pairs.every((pair) => pairPrecise(byKey, pair, options, confirmed)) && subjects.every(own);
}

/**
 * Whether a pair's interval will be narrow enough (its predicted half-width, not the O(n^2)
 * interval itself): within the precision target, or with `mde`, narrow enough that the smallest
 * slowdown the verdict would detect is at most the target. The prediction assumes a normal spread
 * and runs optimistic on heavy tails (predicted 8%, stated 11.4% at 176 rounds on SQLite), so an
 * MDE it says is reached is confirmed by the verdict's own figure: O(n^2) (0.4 s at 2,000 rounds,
 * 2 s at 5,000), so computed again only once the rounds have grown by a quarter since it last fell
 * short, and the prediction is scaled by how optimistic it was then.
 */
function pairPrecise(byKey: Map<string, ContenderSamples>, pair: readonly [string, string], options: SamplingOptions, confirmed: Map<string, Confirmation>): boolean {
  const [a, b] = pair.map((key) => byKey.get(key)) as [ContenderSamples | undefined, ContenderSamples | undefined];
  if (a === undefined || b === undefined) return false;
  const logs = pairRounds(a.samples, a.rounds, b.samples, b.rounds).map((r) => Math.log(r.ratio));
  if (logs.length < MIN_PAIRED_ROUNDS) return false;
  const halfWidth = predictedHalfWidth(logs, PAIRED_CONFIDENCE);
  if (options.mde === undefined) return halfWidth <= options.targetPrecision;
  const { target, minEffect } = options.mde;
  const key = pair.join('\0');
  const last = confirmed.get(key);
  // MDE - minEffect (log scale) is proportional to the half-width: scale the prediction by its last miss.
  const excess = (mde: number) => Math.log1p(mde) - Math.log1p(minEffect);
  const predicted = minimumDetectableEffect(halfWidth, logs.length, PAIRED_CONFIDENCE, minEffect);
  if (Math.expm1(Math.log1p(minEffect) + (last?.optimism ?? 1) * excess(predicted)) > target) return false;
  if (last !== undefined && logs.length < 1.25 * last.rounds) return false;
  const stated = pairedRatio(logs.map(Math.exp), { confidence: PAIRED_CONFIDENCE, minEffect }).mde;
  if (stated <= target) return true;
  confirmed.set(key, { rounds: logs.length, optimism: Math.max(1, excess(stated) / Math.max(excess(predicted), 1e-9)) });
  return false;
}

/** A pair's last full MDE computation that fell short: at how many rounds, and how far the prediction was below it. */
interface Confirmation {
  rounds: number;
  /** (stated MDE - minEffect) / (predicted MDE - minEffect), log scale, at least 1. */
  optimism: number;
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
