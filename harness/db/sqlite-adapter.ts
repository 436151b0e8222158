import { existsSync, mkdirSync, openSync, readSync, closeSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import type { QueryPlan } from '../result.js';
import { MARKER_TABLE, type DialectAdapter } from './dialect-adapter.js';
import { readSqlitePlan, type SqlitePlanRow } from './sqlite-plan.js';

const SQLITE_HEADER = 'SQLite format 3\0';
/** Rows per INSERT statement: well under SQLite's 32766 variables for our widest table. */
const ROWS_PER_STATEMENT = 200;

/** SQLite: one fixture per file, under the cache folder unless a file is named. */
export function createSqliteAdapter(options: { dir: string; file?: string | undefined }): DialectAdapter {
  const connections = new Set<Knex>();
  return {
    dialect: 'sqlite',
    location: options.file ?? options.dir,
    namespaceFor: (profile, seed) => resolve(options.file ?? join(options.dir, `${profile}-s${seed}.sqlite`)),

    scratchNamespace: (file) => `${file}.building-${process.pid}`,

    connect(file) {
      const db = knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
      connections.add(db);
      return db;
    },

    async inspect(file) {
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
    },

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

    async bulkInsert(db, table, columns, rows) {
      const conn = (await db.client.acquireConnection()) as Database.Database;
      try {
        const row = `(${columns.map(() => '?').join(', ')})`;
        const sql = (n: number) => `insert into ${table} (${columns.join(', ')}) values ${Array(n).fill(row).join(', ')}`;
        const full = conn.prepare(sql(ROWS_PER_STATEMENT));
        const values = (chunk: readonly Record<string, unknown>[]) => chunk.flatMap((r) => columns.map((c) => r[c] ?? null));
        conn.transaction(() => {
          let i = 0;
          for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) full.run(values(rows.slice(i, i + ROWS_PER_STATEMENT)));
          if (i < rows.length) conn.prepare(sql(rows.length - i)).run(values(rows.slice(i)));
        })();
      } finally {
        await db.client.releaseConnection(conn);
      }
    },

    async beforeBulkLoad(db) {
      // The file is a private temporary until renamed into place: durability buys nothing here.
      await db.raw('pragma journal_mode = off');
      await db.raw('pragma synchronous = off');
    },

    async afterBulkLoad(db) {
      await db.raw('analyze');
      await db.raw('pragma journal_mode = delete');
    },

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
