/** What the result records of a scenario's statements: counts, N+1 suspects, plans, exact costs, the snapshot check. */

export interface FingerprintCount {
  /** Normalized statement (literals and placeholders as ?, IN-lists collapsed). */
  sql: string;
  /** Executions per request (max over the scenario's requests). */
  count: number;
}

export interface N1Suspect {
  fingerprint: string;
  /** Executions in one request (max over requests). */
  count: number;
  /** One concrete statement, bindings inlined for reading. */
  example: string;
  /** `src/impl/baseline.ts:123` when known. */
  callSite: string | null;
}

export interface QueryPlan {
  fingerprint: string;
  /** The plan as the database printed it (SQLite EXPLAIN QUERY PLAN rows, Postgres JSON). */
  plan: unknown;
  /** Tables above the full-scan threshold (1,000 rows unless configured) that the plan reads in full. */
  fullScans: string[];
  /** The plan's shape: one line per node, indented by depth, aliases resolved to table names; no costs, no timings. */
  shape?: string[];
  /** Every table the plan reads in full, whatever its size (fullScans keeps those above the threshold). */
  scannedTables?: string[];
  /** Postgres (EXPLAIN ANALYZE): rows the scans read, including rows removed by filters, per table. */
  rowsRead?: Record<string, number>;
  /** Postgres (EXPLAIN ANALYZE, BUFFERS): shared buffers found in the cache, and read from outside it. */
  sharedHit?: number;
  sharedRead?: number;
  /** The request kind whose statement this plan was made from, e.g. "page 1". */
  request?: string;
}

/** One statement as the profiling pass recorded it: what exact costs are measured from. */
export interface RecordedStatement {
  sql: string;
  bindings: unknown[];
  /** Rows the database returned; null when unknown. */
  rows: number | null;
}

/**
 * The exact cost of one request kind, from its first request in the profiling pass: each distinct
 * statement EXPLAINed once (with its real bindings) and counted as often as it ran.
 */
export interface RequestCost {
  /** The request kind, e.g. "page 1". */
  request: string;
  /** Statements of the request, transaction control excluded. */
  statements: number;
  /** Rows the database returned to the endpoint. */
  rowsReturned: number;
  /** Postgres: rows the scans read, including rows removed by filters. Absent on SQLite (it does not say). */
  rowsRead?: number;
  /** Postgres: shared buffers hit + read. */
  sharedBuffers?: number;
  /** Tables read in full by some statement of the request, above the full-scan threshold. */
  fullScans: string[];
}

/** How the run's query cost compares with the committed snapshot (scenarios/snapshots/). */
export interface SnapshotCheck {
  /** The snapshot file, relative to the working directory. */
  file: string;
  /**
   * matched: identical; differs: see diff; written: there was none, so this run wrote it;
   * updated: rewritten by --update-snapshots; missing: none, and CI is set; not-judged: none for this profile.
   */
  status: 'matched' | 'differs' | 'written' | 'updated' | 'missing' | 'not-judged';
  /** Line diff, snapshot (-) against this run (+), when status is differs. */
  diff?: string;
  /** Full scans the snapshot records as accepted, "table <- fingerprint". */
  acceptedScans: string[];
  /** Written or rewritten: full scans found but not accepted (their table not named by --accept-full-scan, or CI). */
  pendingScans?: string[];
  /** The fingerprint normalization version the snapshot was written with. */
  normalizationVersion?: number;
}

export interface QueryStats {
  /** Statements per request: max over the scenario's requests (what the gate reads). */
  perRequest: number;
  /** Statements per request: min over requests. */
  perRequestMin: number;
  /** Transaction control statements (BEGIN/COMMIT/ROLLBACK) per request, counted in perRequest. */
  transactionControl: number;
  fingerprints: FingerprintCount[];
  n1Suspects: N1Suspect[];
  plans?: QueryPlan[];
  /** One executed statement per fingerprint, with its bindings: what plans are made from. */
  examples?: Record<string, { sql: string; bindings: unknown[] }>;
  /** The statements of the first request of each kind, in order: what exact costs are made from. */
  requestStatements?: Record<string, RecordedStatement[]>;
  /** Exact cost per request kind (profiling pass, implementation under test). */
  costs?: RequestCost[];
  /** The committed query snapshot against this run (implementation under test). */
  snapshot?: SnapshotCheck;
  /** Wall time of gathering the exact costs (EXPLAINs) of this result, ms: the price of the figures above. */
  costPassMs?: number;
  /** Query counts per request-kind label, e.g. { "limit=10": 4, "limit=100": 4 }. */
  byRequest: Record<string, number>;
}
