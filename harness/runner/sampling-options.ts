/**
 * How to sample one scenario on one database. Sampling goes in interleaved rounds: in each round
 * every active contender takes a turn, in an order drawn at random, so drift of a shared machine
 * hits all of them alike and no one owns a place after the slow baseline. The judged contenders
 * (the implementation under test and what it is judged against) get a slice of time each round;
 * references (baseline, floor, ...) one request per round until they have enough for their own
 * figures; the harness's drift probe a few requests every round.
 */
export interface SamplingOptions {
  /** Time budget of the timed rounds, ms. */
  budgetMs: number;
  /** Time each judged contender is given per round, ms; 0: one request per turn (A and B alternate request by request). */
  sliceMs: number;
  /** Requests of each reference implementation; then it leaves the rounds. */
  referenceSamples: number;
  /** Share of the time the references may take together (0-1). */
  referenceShare: number;
  /** Share of the time the drift probe may take (0-1); it takes a turn whenever it is below. */
  probeShare: number;
  /** Samples every contender gets even past the budget. */
  minSamples: number;
  /** Rounds before the precision rule may end sampling. */
  minRounds: number;
  /** Cap of samples per judged contender. */
  maxSamples: number;
  /**
   * Sampling ends once the judged figure is this precise (relative half-width of its interval):
   * the paired ratio when there is a pair, else the p50 (and three times this for the p95).
   */
  targetPrecision: number;
  /** Untimed rounds over all requests before timing. */
  warmupRounds: number;
  /** Requests in flight at once through the connection pool. @default 1 */
  concurrency: number;
  /** Seed of the turn order. */
  seed: number;
  /**
   * `run --against`: sample pairs until the smallest slowdown their verdict would detect (95% power,
   * judged with `minEffect`) is at most `target` (fractions), instead of `targetPrecision`; the
   * budget is then the most time a scenario may take. Absent: the precision rule.
   */
  mde?: { target: number; minEffect: number } | undefined;
}

export const DEFAULT_SAMPLING: SamplingOptions = {
  budgetMs: 5000,
  sliceMs: 0,
  referenceSamples: 40,
  referenceShare: 0.25,
  probeShare: 0.05,
  minSamples: 10,
  minRounds: 30,
  maxSamples: 4000,
  targetPrecision: 0.01,
  warmupRounds: 2,
  concurrency: 1,
  seed: 1,
};

export const QUICK_SAMPLING: SamplingOptions = {
  ...DEFAULT_SAMPLING,
  budgetMs: 1200,
  referenceSamples: 20,
  minRounds: 15,
  maxSamples: 1000,
  targetPrecision: 0.02,
  warmupRounds: 1,
};

/** How many plain budgets `run --against` may spend on a scenario (`--max-time`'s default). */
export const AGAINST_BUDGETS = 4;

/**
 * `run --against REF`: four times the time budget, as the most a scenario may take: sampling
 * stops earlier once the pair's smallest detectable slowdown reaches --mde (3%). At a plain run's
 * budget the paired verdict saw a 5% slowdown of list-50 every time on SQLite but only 8 in 10
 * times on Postgres. Quiet, at 10 s Postgres list-50 stated 3.6-3.8% (440-470 rounds), so 3%
 * needs about 20 s; SQLite reaches 3% in every default scenario before that (2026-12-02).
 */
export function againstSampling(base: SamplingOptions): SamplingOptions {
  return { ...base, budgetMs: AGAINST_BUDGETS * base.budgetMs };
}

/** The smallest slowdown `run --against` samples for by default (`--mde`), a fraction. */
export const MDE_TARGET = 0.03;
