/** What a scaling sweep (`--scenario scaling`) records: the points measured and the growth fitted. */

import type { Dialect, EnvironmentInfo } from './result.js';

/** One measured point of the sweep. */
export interface ScalingPoint {
  profile: string;
  dialect: Dialect;
  impl: string;
  limit: number;
  /** Artifacts in the fixture. */
  artifacts: number;
  p50: number;
  p95: number;
  queries: number;
  rows: number;
  /** Memberships of the collections the first page touches: what a count over them must read. */
  touchedRows: number;
  /** Latency samples behind p50 and p95. Absent in sweeps of older versions (as are the fields below). */
  n?: number;
  /**
   * 95% intervals of p50 and p95: order statistics, widened where the rounds drift
   * (stats/batched-quantile-interval.ts); null where n is too small for one (p95 needs 59).
   */
  p50Ci?: [number, number] | null;
  p95Ci?: [number, number] | null;
  /** When the point was measured, ISO times: all implementations of a point share it, in interleaved rounds. */
  from?: string;
  until?: string;
  /** The other querygate runs that measured on this machine while this point was (its latency is disturbed). Empty: none. */
  disturbedBy?: PointDisturbance[];
}

/** Another querygate run that measured during a scaling point, and for how long the two overlapped as polled (twice a second). */
export interface PointDisturbance {
  pid: number;
  /** Overlap of that run's observed window with the point's, ms: 0 when it was seen only once within it. */
  overlapMs: number;
}

/** A straight line fitted by least squares, with how well it fits. */
export interface LineFit {
  slope: number;
  intercept: number;
  r2: number;
}

export interface ScalingFit {
  dialect: Dialect;
  impl: string;
  /** Queries per request against page size (per profile the same shape): slope 0 = constant. */
  queriesVsPageSize: LineFit;
  queriesGrowth: 'constant' | 'linear';
  /** p50 ms against touched rows, in thousands. */
  latencyVsTouchedRows: LineFit;
  /** p50 at the smallest and at the largest profile, page 50: the flatness figure. */
  p50SmallestMs: number;
  p50LargestMs: number;
}

export interface ScalingResult {
  kind: 'querygate-scaling';
  schemaVersion: 1;
  startedAt: string;
  durationMs: number;
  environment: EnvironmentInfo;
  profiles: string[];
  limits: number[];
  points: ScalingPoint[];
  fits: ScalingFit[];
}
