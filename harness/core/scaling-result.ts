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
