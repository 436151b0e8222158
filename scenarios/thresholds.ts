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
