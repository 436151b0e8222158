import { existsSync, mkdirSync, openSync, readSync, closeSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import type { QueryPlan } from '../core/result.js';
import { MARKER_TABLE, WRITE_COUNTER_TABLE, type DialectAdapter, type NamespaceState } from './dialect-adapter.js';
import { readSqlitePlan, type SqlitePlanRow } from './sqlite-plan.js';
import { OWN_SETTINGS } from './served-connection.js';
import type { DatabaseSettings } from '../../src/database-settings.js';

const SQLITE_HEADER = 'SQLite format 3\0';
/** Rows per INSERT statement: well under SQLite's 32766 variables for our widest table. */
const ROWS_PER_STATEMENT = 200;
const SCAN_BATCH = 10_000;
const STAGE_TABLE = 'querygate_stage';
/** Page cache while building a fixture (KiB): big enough for the xl fixture's indexes. */
const BUILD_CACHE_KIB = 2 * 1024 * 1024;

/**
 * Two writers to one file take turns at its lock (measured at xl: the worker's sorted copy of a
 * link table waited 10 s for the artifacts' load), so the worker writes each table to a file of
 * its own and the fixture adopts it: an xfer copy (same definitions, no triggers, foreign keys
 * off) moves the records in key order without re-sorting.
 */
const SIDE_LOAD: NonNullable<DialectAdapter['sideLoad']> = {
  namespaceFor: (scratch, table) => `${scratch}.${table}`,
  adopt: adoptSideTable,
  async drop(side) {
    for (const suffix of ['', '-journal']) rmSync(`${side}${suffix}`, { force: true });
  },
};

/** The served pool: the service's size, and its pragmas run on each new connection, in order. */
function servedPool(settings: DatabaseSettings): Knex.PoolConfig {
  return {
    min: 1,
    max: settings.pool.sqlite,
    afterCreate(conn: Database.Database, done: (error: Error | null, conn: Database.Database) => void) {
      try {
        for (const [name, value] of Object.entries(settings.sqlitePragmas)) conn.pragma(`${name} = ${value}`);
        done(null, conn);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)), conn);
      }
    },
  };
}

/** SQLite: one fixture per file, under the cache folder unless a file is named. */
export function createSqliteAdapter(options: { dir: string; file?: string | undefined }): DialectAdapter {
  const connections = new Set<Knex>();
  return {
    dialect: 'sqlite',
    // SQLite cannot add a foreign key to an existing table: they are declared with the tables,
    // switched off for the load and checked in one pass after it (afterBulkLoad).
    foreignKeysAfterLoad: false,
    location: options.file ?? options.dir,
    namespaceFor: (profile, seed, variant) => {
      const file = resolve(options.file ?? join(options.dir, `${profile}-s${seed}.sqlite`));
      return variant === undefined ? file : file.replace(/(\.sqlite)?$/, `-${variant}$1`);
    },

    scratchNamespace: (file) => `${file}.building-${process.pid}`,

    connect(file, connectOptions = {}) {
      const served = connectOptions.pool === undefined ? (connectOptions.served ?? OWN_SETTINGS) : undefined;
      const config: Knex.Config = { client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true };
      const db = served === undefined ? knex(config) : (served.knex ?? knex)({ ...config, pool: servedPool(served.settings) });
      connections.add(db);
      return db;
    },

    inspect: inspectFile,

    async createNamespace(file) {
      if (existsSync(file)) throw new Error(`refusing to create ${file}: it exists`);
      mkdirSync(dirname(file), { recursive: true });
      new Database(file).close();
    },

    async dropNamespace(file) {
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    },

    async replaceNamespace(from, to) {
      renameSync(from, to);
    },

    // Builders write to their own temporary file and rename it into place, so no lock is needed.
    withBuildLock: (_file, fn) => fn(),

    bulkLoad: insertRows,

    sideLoad: SIDE_LOAD,

    scanTable: scanRows,
    deferIndexes: deferSqliteIndexes,

    async analyzeTable(db, table) {
      await db.raw(`analyze ${table}`);
    },

    beforeBulkLoad: setBuildPragmas,
    afterBulkLoad: finishBulkLoad,
    installWriteCounter: installRowWriteCounter,

    async serverVersion(db) {
      const row = (await db.raw('select sqlite_version() as v')) as { v: string }[];
      return `SQLite ${row[0]?.v ?? '?'}`;
    },

    async explain(db, sql, bindings, tableRows): Promise<QueryPlan> {
      const rows = (await db.raw(`explain query plan ${sql}`, bindings as Knex.RawBinding[])) as SqlitePlanRow[];
      const read = readSqlitePlan(rows, sql);
      return { ...read, fingerprint: '', fullScans: (read.scannedTables ?? []).filter((t) => (tableRows[t] ?? 0) > 1000) };
    },

    async close() {
      await Promise.all([...connections].map((db) => db.destroy()));
      connections.clear();
    },
  };
}

/** What a file holds: checked as a file and by its header before SQLite opens it. */
async function inspectFile(file: string): Promise<NamespaceState> {
  if (!existsSync(file)) return { kind: 'absent' };
  if (!statSync(file).isFile()) return { kind: 'foreign', tables: ['(not a regular file)'] };
  if (statSync(file).size === 0) return { kind: 'empty' };
  if (readHeader(file) !== SQLITE_HEADER) return { kind: 'foreign', tables: ['(not a SQLite database)'] };
  const raw = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = raw
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .pluck()
      .all() as string[];
    if (tables.includes(MARKER_TABLE)) {
      const rows = raw.prepare(`select key, value from ${MARKER_TABLE}`).all() as { key: string; value: string }[];
      return { kind: 'ours', marker: Object.fromEntries(rows.map((r) => [r.key, r.value])) };
    }
    return tables.length === 0 ? { kind: 'empty' } : { kind: 'foreign', tables };
  } finally {
    raw.close();
  }
}

/** SQLite's DialectAdapter.bulkLoad: multi-row prepared inserts, in one transaction. */
const insertRows: DialectAdapter['bulkLoad'] = async (db, table, columns, batches, onBatch) => {
  const conn = (await db.client.acquireConnection()) as Database.Database;
  try {
    // Rows arrive in generation order, their primary keys in random order: inserted directly,
    // each lands at a random place of the key's B-tree. Staged in a key-less temporary table
    // and copied over sorted by the key, they append instead. Measured at large: the link
    // tables (narrow rows, composite keys) load in half the time; artifacts (wide rows, one
    // key column) slower, the copy costing more than it saves, so only composite keys stage.
    const keys = (conn.prepare(`pragma table_info(${table})`).all() as { name: string; pk: number }[])
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const staged = keys.length > 1;
    const list = columns.join(', ');
    const target = staged ? `temp.${STAGE_TABLE}` : table;
    const row = `(${columns.map(() => '?').join(', ')})`;
    const sql = (n: number) => `insert into ${target} (${list}) values ${Array(n).fill(row).join(', ')}`;
    const values = new Array<unknown>(ROWS_PER_STATEMENT * columns.length);
    let loaded = 0;
    // One transaction for the whole table: a commit per batch cost more than the inserts.
    conn.transaction(() => {
      if (staged) conn.exec(`create temp table ${STAGE_TABLE} as select ${list} from main.${table} where 0`);
      const full = conn.prepare(sql(ROWS_PER_STATEMENT));
      for (const rows of batches) {
        let i = 0;
        for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) {
          let k = 0;
          for (let r = i; r < i + ROWS_PER_STATEMENT; r++) {
            const record = rows[r] as Record<string, unknown>;
            for (const c of columns) values[k++] = record[c] ?? null;
          }
          full.run(values);
        }
        if (i < rows.length) conn.prepare(sql(rows.length - i)).run(rows.slice(i).flatMap((r) => columns.map((c) => r[c] ?? null)));
        loaded += rows.length;
        onBatch?.(rows.length);
      }
      if (staged) {
        conn.exec(`insert into main.${table} (${list}) select ${list} from temp.${STAGE_TABLE} order by ${keys.join(', ')}`);
        conn.exec(`drop table temp.${STAGE_TABLE}`);
      }
    })();
    return loaded;
  } finally {
    await db.client.releaseConnection(conn);
  }
};

/** SQLite's sideLoad.adopt: `table`'s rows and statistics copied in from the worker's file. */
async function adoptSideTable(db: Knex, side: string, table: string): Promise<void> {
  const conn = (await db.client.acquireConnection()) as Database.Database;
  try {
    conn.pragma('foreign_keys = off');
    conn.prepare('attach database ? as side').run(side);
    try {
      const stats = (conn.prepare("select name from side.sqlite_master where type = 'table' and name like 'sqlite_stat%'").pluck().all() as string[]).filter(
        (name) => conn.prepare("select 1 from main.sqlite_master where type = 'table' and name = ?").get(name) !== undefined,
      );
      conn.transaction(() => {
        conn.exec(`insert into main.${table} select * from side.${table}`);
        for (const stat of stats) conn.prepare(`insert into main.${stat} select * from side.${stat} where tbl = ?`).run(table);
      })();
    } finally {
      conn.exec('detach database side');
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/** SQLite's DialectAdapter.scanTable: raw rows of one statement, in batches. */
async function* scanRows(db: Knex, table: string, columns: readonly string[]): AsyncIterable<unknown[][]> {
  const conn = (await db.client.acquireConnection()) as Database.Database;
  try {
    let batch: unknown[][] = [];
    // Arrays, not objects: half the time of building a keyed object per row (measured at large).
    for (const row of conn.prepare(`select ${columns.join(', ')} from ${table}`).raw(true).iterate()) {
      batch.push(row as unknown[]);
      if (batch.length === SCAN_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/** SQLite's DialectAdapter.deferIndexes: the named indexes dropped, and what recreates them. */
async function deferSqliteIndexes(db: Knex): Promise<() => Promise<void>> {
  // Foreign keys are part of the tables here and are off for the load: only indexes to defer.
  // Those of UNIQUE or PRIMARY KEY clauses (sql null) go with their tables.
  const indexes = (await db.raw("select name, sql from sqlite_master where type = 'index' and sql is not null order by name")) as { name: string; sql: string }[];
  for (const index of indexes) await db.raw(`drop index "${index.name.replace(/"/g, '""')}"`);
  return async () => {
    for (const index of indexes) await db.raw(index.sql);
  };
}

/** SQLite's DialectAdapter.beforeBulkLoad. */
async function setBuildPragmas(db: Knex): Promise<void> {
  // The file is a private temporary until renamed into place: durability buys nothing here,
  // and a page cache that holds the whole build keeps index inserts off the disk. Foreign
  // keys (on by default in better-sqlite3) are checked once after the load, not row by row.
  await db.raw('pragma foreign_keys = off');
  await db.raw('pragma journal_mode = off');
  await db.raw('pragma synchronous = off');
  await db.raw(`pragma cache_size = -${BUILD_CACHE_KIB}`);
  await db.raw('pragma temp_store = memory');
}

/** SQLite's DialectAdapter.afterBulkLoad: the foreign keys checked and back on, the journal back. */
async function finishBulkLoad(db: Knex): Promise<void> {
  const violations = (await db.raw('pragma foreign_key_check')) as { table: string; parent: string }[];
  if (violations.length > 0) {
    const first = violations[0];
    throw new Error(`bulk load broke ${violations.length} foreign key${violations.length === 1 ? '' : 's'} (first: ${first?.table} -> ${first?.parent})`);
  }
  await db.raw('pragma foreign_keys = on');
  // The data tables were analyzed one by one after their loads (analyzeTable).
  await db.raw(`analyze ${MARKER_TABLE}`);
  await db.raw(`analyze ${WRITE_COUNTER_TABLE}`);
  const mode = (await db.raw('pragma journal_mode = delete')) as { journal_mode: string }[];
  // The build ran without a journal: a mode that did not change back would ship it so.
  if (mode[0]?.journal_mode !== 'delete') throw new Error(`the fixture stayed in ${mode[0]?.journal_mode ?? '?'} journal mode after its build`);
}

/** SQLite's DialectAdapter.installWriteCounter: row triggers. */
async function installRowWriteCounter(db: Knex, tables: readonly string[]): Promise<void> {
  // SQLite has row triggers only: one increment per row written, three triggers per table.
  await db.raw(`create table ${WRITE_COUNTER_TABLE} (writes integer not null)`);
  await db.raw(`insert into ${WRITE_COUNTER_TABLE} (writes) values (0)`);
  for (const table of tables) {
    for (const op of ['insert', 'update', 'delete']) {
      await db.raw(
        `create trigger ${WRITE_COUNTER_TABLE}_${table}_${op} after ${op} on ${table} begin update ${WRITE_COUNTER_TABLE} set writes = writes + 1; end`,
      );
    }
  }
}

function readHeader(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(16);
    const n = readSync(fd, buffer, 0, 16, 0);
    return buffer.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}
