import type { Knex } from 'knex';
import type { ServedConnection } from './served-connection.js';
import type { Dialect, QueryPlan } from '../core/result.js';

/** What a namespace (a SQLite file, a Postgres schema) holds before the harness touches it. */
export type NamespaceState =
  | { kind: 'absent' }
  /** Exists and holds no tables: safe to take (a new empty file, an empty schema). */
  | { kind: 'empty' }
  | { kind: 'ours'; marker: Record<string, string> }
  /** Holds tables and no querygate marker: never written to. */
  | { kind: 'foreign'; tables: string[] };

/**
 * Everything that differs between SQLite and Postgres, and nothing else: the rest of the harness
 * never asks which database it is on. A namespace is where one fixture lives: a SQLite file path,
 * or a Postgres schema name.
 */
export interface DialectAdapter {
  readonly dialect: Dialect;
  /**
   * Whether a build adds the foreign keys after the bulk load (one validating pass) rather than
   * with the tables (checked row by row). False where ALTER TABLE cannot add them (SQLite).
   */
  readonly foreignKeysAfterLoad: boolean;
  /** Where this adapter's databases live, password-free, for messages. */
  readonly location: string;
  /**
   * The default namespace for a fixture (file path or schema name); `variant` (lowercase letters,
   * digits, underscores) names a second fixture of the same profile and seed beside it.
   */
  namespaceFor(profile: string, seed: number, variant?: string): string;
  /** A private namespace beside `namespace` to build in before swapping it into place. */
  scratchNamespace(namespace: string): string;
  /**
   * A knex instance whose unqualified table names resolve inside the namespace. By default one the
   * endpoint is served through, opened with the service's own settings (or `served`'s: another
   * revision's settings and knex); with `pool`, a plain connection of the harness's for building.
   */
  connect(namespace: string, options?: { pool?: number; served?: ServedConnection }): Knex;
  inspect(namespace: string): Promise<NamespaceState>;
  /** Creates an empty namespace for building; refuses one that exists. */
  createNamespace(namespace: string): Promise<void>;
  /** Drops a namespace; callers must have checked it is ours. */
  dropNamespace(namespace: string): Promise<void>;
  /** Atomically replaces `to` (ours or absent) with `from`. */
  replaceNamespace(from: string, to: string): Promise<void>;
  /** Serializes builders of one namespace across processes. */
  withBuildLock<T>(namespace: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Loads a table's rows, batch by batch, through the database's fastest path (multi-row
   * prepared inserts in one transaction on SQLite, COPY on Postgres); calls `onBatch` with each
   * batch's size once it is stored. Returns the rows loaded.
   */
  bulkLoad(
    db: Knex,
    table: string,
    columns: readonly string[],
    batches: Iterable<readonly Record<string, unknown>[]>,
    onBatch?: (rows: number) => void,
  ): Promise<number>;
  /**
   * Every row of a table as an array of the values of `columns` in that order, in batches and in
   * no particular order (a checksum that does not depend on order needs none, and a plain scan
   * of arrays is the cheapest read).
   */
  scanTable(db: Knex, table: string, columns: readonly string[]): AsyncIterable<unknown[][]>;
  /**
   * Where a build may have a worker thread (harness/fixture-store/side-load.ts) load some tables
   * into a namespace of its own while this thread loads the others, then adopt them; undefined
   * where there is no such path.
   */
  readonly sideLoad?: {
    /** The worker's namespace for `table`, beside the scratch one. */
    namespaceFor(scratch: string, table: string): string;
    /**
     * Moves `table` (loaded, indexed and analyzed in `side`; created with the same indexes and
     * empty in `db`) into `db`'s namespace, statistics included.
     */
    adopt(db: Knex, side: string, table: string): Promise<void>;
    /** Removes the worker's namespace. */
    drop(side: string): Promise<void>;
  };
  /**
   * Drops the secondary indexes, unique constraints and foreign keys that schema code created
   * with its tables (another revision's createSchema, which cannot be split into tables and
   * indexes), and returns what recreates each exactly as it was: the bulk load then fills bare
   * tables and every index is built once, by sorting, as in a build of src/schema.ts's own.
   */
  deferIndexes(db: Knex): Promise<() => Promise<void>>;
  /** Statistics of one loaded table where the database gathers them per table (SQLite's ANALYZE); nothing elsewhere. */
  analyzeTable(db: Knex, table: string): Promise<void>;
  /** Settings for a bulk load, and statistics afterwards (plans depend on them). */
  beforeBulkLoad(db: Knex): Promise<void>;
  afterBulkLoad(db: Knex): Promise<void>;
  /**
   * Makes the database count every write to `tables` in the one-row table WRITE_COUNTER_TABLE
   * (column `writes`, starting at 0): triggers, so that writes from any client are counted.
   */
  installWriteCounter(db: Knex, tables: readonly string[]): Promise<void>;
  serverVersion(db: Knex): Promise<string>;
  /** The plan of a statement, and the large tables it reads in full. */
  explain(db: Knex, sql: string, bindings: readonly unknown[], tableRows: Record<string, number>): Promise<QueryPlan>;
  /** Releases what the adapter holds (an embedded server, pools). */
  close(): Promise<void>;
}

/** The table that marks a namespace as the harness's own. */
export const MARKER_TABLE = 'querygate_fixture';

/** The table in which the database counts writes to the fixture's tables (triggers installed by the adapter). */
export const WRITE_COUNTER_TABLE = 'querygate_writes';
/** Postgres: the function behind the write-counting triggers. */
export const WRITE_COUNTER_FUNCTION = 'querygate_count_write';
