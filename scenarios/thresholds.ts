/** The thresholds the gates judge against; a run records the ones it was judged with. */
export interface Thresholds {
  /** p95 of the list-50 scenario must be under this, ms. @default 200 */
  p95Ms: number;
  /** Statements per request, max over requests. @default 5 */
  maxQueries: number;
  /** The detail p95 may be at most this much above the baseline's before it counts as a regression (%). @default 10 */
  detailTolerancePct: number;
  /** `no-new-full-scan`: a table read in full counts above this many rows. @default 1000 */
  fullScanRows: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = { p95Ms: 200, maxQueries: 5, detailTolerancePct: 10, fullScanRows: 1000 };

/**
 * The thresholds a scenario's gates judge with: the scenario's own values over the run's.
 * The scenario wins because the run's thresholds are complete (every flag resolved to its default
 * once, so a flag typed and a flag left alone look the same) and apply to every scenario, while a
 * scenario's value is a reviewed statement about its one endpoint (a route that must run at most
 * two statements); the other way round, a scenario's value could never take effect. To judge one
 * scenario differently, change its file, where the change is reviewed like code.
 */
export function thresholdsFor(scenario: { thresholds?: Partial<Thresholds> | undefined } | undefined, run: Thresholds): Thresholds {
  return { ...run, ...scenario?.thresholds };
}
