/** How much to sample each implementation in one scenario on one database. */
export interface SamplingOptions {
  /** Timed samples wanted per implementation. */
  samples: number;
  /** Samples taken in any case, even past maxMs. */
  minSamples: number;
  /** Time budget of the timed rounds, ms; sampling stops at `samples` or here, whichever comes first. */
  maxMs: number;
  /** Consecutive samples of one implementation per turn (1 = strict A B A B). */
  block: number;
  /** Untimed rounds over all requests before timing. */
  warmupRounds: number;
  /** Requests in flight at once through the connection pool. @default 1 */
  concurrency: number;
}

export const DEFAULT_SAMPLING: SamplingOptions = { samples: 300, minSamples: 30, maxMs: 4000, block: 5, warmupRounds: 2, concurrency: 1 };
export const QUICK_SAMPLING: SamplingOptions = { samples: 60, minSamples: 20, maxMs: 900, block: 5, warmupRounds: 1, concurrency: 1 };
