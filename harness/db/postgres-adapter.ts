import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { QueryPlan } from '../result.js';
import { MARKER_TABLE, type DialectAdapter, type NamespaceState } from './dialect-adapter.js';
import { FixtureRefusedError } from './fixture-refused-error.js';
import { readPostgresPlan } from './postgres-plan.js';
import { redactSecretsInText, redactUrl } from './pg-url.js';

/** The schema that marks a whole database as claimed by querygate. */
const CLAIM_SCHEMA = 'querygate';
const ROWS_PER_STATEMENT = 5000;
/** Integer columns of the schema; every other column loads as text. */
const INTEGER_COLUMNS = new Set(['tags.id', 'artifact_tags.tag_id', 'groups.position', 'group_artifacts.position']);
const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')";

/** A server that does not answer the connection within this long is unreachable (the CLI must fail within 10 s). */
const CONNECT_TIMEOUT_MS = 5000;
/** The admin pool's wait for a connection: connecting (5 s) and one retry's worth, under the CLI's 10 s. */
const ACQUIRE_TIMEOUT_MS = 8000;

/**
 * knex's logger without its connection warnings ("Acquire connection error: <stack>"): a failed
 * connection reaches the caller as an error, which explains it once and without a stack trace.
 * Other warnings keep their first line, on stderr (knex's default writes them to stdout).
 */
export const knexLog = {
  warn: (message: unknown) => logLine('warning', message),
  error: (message: unknown) => logLine('error', message),
  deprecate: (message: unknown) => logLine('deprecated', message),
  debug: () => undefined,
};

function logLine(level: string, message: unknown): void {
  const text = typeof message === 'string' ? message : String(message);
  if (/^(Acquire connection error|Connection Error):/.test(text)) return;
  process.stderr.write(`knex ${level}: ${redactSecretsInText(text.split('\n')[0] ?? '')}\n`);
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Postgres: one fixture per schema (`qg_<profile>_s<seed>`) inside a database that querygate
 * has claimed: either one it created, or an empty one it marked on first use. A database that
 * holds anyone else's tables is refused before anything is written.
 */
export async function createPostgresAdapter(options: { url: string; onClose?: () => Promise<void> }): Promise<DialectAdapter> {
  const url = options.url;
  const location = redactUrl(url);
  const connections = new Set<Knex>();
  const admin = knex({
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    pool: { min: 0, max: 2 },
    acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
    log: knexLog,
  });
  connections.add(admin);

  try {
    await claimDatabase(admin, location);
  } catch (error) {
    await admin.destroy();
    throw error;
  }

  return {
    dialect: 'postgres',
    location,
    namespaceFor: (profile, seed) => `qg_${profile}_s${seed}`,

    // One builder at a time holds the advisory lock, so one scratch schema per fixture suffices.
    scratchNamespace: (schema) => `${schema}__building`,

    connect(schema, connectOptions = {}) {
      const db = knex({
        client: 'pg',
        // search_path as a startup option: the server applies it, so no statement runs per connection.
        connection: { connectionString: url, options: `-c search_path=${schema}`, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
        pool: { min: 0, max: connectOptions.pool ?? 4 },
        log: knexLog,
      });
      connections.add(db);
      return db;
    },

    async inspect(schema): Promise<NamespaceState> {
      const exists = await admin('information_schema.schemata').where('schema_name', schema).first('schema_name');
      if (exists === undefined) return { kind: 'absent' };
      const tables = (
        await admin('information_schema.tables').where('table_schema', schema).orderBy('table_name').select('table_name')
      ).map((r: { table_name: string }) => r.table_name);
      if (tables.includes(MARKER_TABLE)) {
        const rows: { key: string; value: string }[] = await admin.withSchema(schema).from(MARKER_TABLE).select('key', 'value');
        return { kind: 'ours', marker: Object.fromEntries(rows.map((r) => [r.key, r.value])) };
      }
      return tables.length === 0 ? { kind: 'empty' } : { kind: 'foreign', tables };
    },

    async createNamespace(schema) {
      await admin.raw(`create schema ${ident(schema)}`);
    },

    async dropNamespace(schema) {
      await admin.raw(`drop schema if exists ${ident(schema)} cascade`);
    },

    async replaceNamespace(from, to) {
      await admin.transaction(async (trx) => {
        await trx.raw(`drop schema if exists ${ident(to)} cascade`);
        await trx.raw(`alter schema ${ident(from)} rename to ${ident(to)}`);
      });
    },

    async withBuildLock(schema, fn) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      // A lost connection rejects the pending query; unhandled, the 'error' event would crash the process.
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query('select pg_advisory_lock(hashtext($1))', [`querygate:${schema}`]);
        return await fn();
      } finally {
        await client.end();
      }
    },

    async bulkInsert(db, table, columns, rows) {
      // unnest() over one array per column: one statement and N parameters per batch, whatever its size.
      const types = columns.map((c) => (INTEGER_COLUMNS.has(`${table}.${c}`) ? 'int' : 'text'));
      const sql = `insert into ${ident(table)} (${columns.map(ident).join(', ')}) select * from unnest(${types
        .map((t, i) => `$${i + 1}::${t}[]`)
        .join(', ')})`;
      const conn = (await db.client.acquireConnection()) as pg.Client;
      try {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
          await conn.query(
            sql,
            columns.map((c) => chunk.map((r) => r[c] ?? null)),
          );
        }
      } finally {
        await db.client.releaseConnection(conn);
      }
    },

    async beforeBulkLoad(db) {
      await db.raw('set synchronous_commit = off');
    },

    async afterBulkLoad(db) {
      // VACUUM sets the visibility map, without which counts cannot be index-only scans. A
      // concurrent snapshot (autovacuum analyzing the new tables) can hold the horizon back, so
      // repeat for the tables not yet all-visible, a few times.
      for (let attempt = 0; attempt < 5; attempt++) {
        const pending: { relname: string }[] = (
          await db.raw(
            `select relname from pg_class where relnamespace = current_schema()::regnamespace and relkind = 'r' and (relallvisible < relpages or reltuples < 0)`,
          )
        ).rows;
        if (pending.length === 0) return;
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        for (const { relname } of pending) await db.raw(`vacuum (freeze, analyze) ${ident(relname)}`);
      }
    },

    async serverVersion(db) {
      const rows = (await db.raw('show server_version')) as { rows: { server_version: string }[] };
      return `PostgreSQL ${rows.rows[0]?.server_version ?? '?'}`;
    },

    async explain(db, sql, bindings, tableRows): Promise<QueryPlan> {
      const conn = (await db.client.acquireConnection()) as pg.Client;
      // ANALYZE executes the statement: inside a transaction that is always rolled back, so a
      // write leaves nothing behind. TIMING OFF: the figures kept are exact ones, not clock readings.
      try {
        await conn.query('begin');
        const result = await conn.query(`explain (analyze, buffers, timing off, format json) ${sql}`, bindings as unknown[]);
        const read = readPostgresPlan((result.rows[0] as Record<string, unknown>)['QUERY PLAN'], tableRows);
        return { ...read, fingerprint: '', fullScans: (read.scannedTables ?? []).filter((t) => (tableRows[t] ?? 0) > 1000) };
      } finally {
        await conn.query('rollback').catch(() => undefined);
        await db.client.releaseConnection(conn);
      }
    },

    async close() {
      await Promise.all([...connections].map((db) => db.destroy()));
      connections.clear();
      await options.onClose?.();
    },
  };
}

/**
 * Marks the database as querygate's on first use, or refuses it. Empty means: no tables outside
 * the system schemas and querygate's own.
 */
async function claimDatabase(admin: Knex, location: string): Promise<void> {
  const claimed = await admin('information_schema.tables')
    .where({ table_schema: CLAIM_SCHEMA, table_name: MARKER_TABLE })
    .first('table_name');
  if (claimed !== undefined) return;
  const foreign: { table_schema: string; table_name: string }[] = await admin('information_schema.tables')
    .whereRaw(`table_schema not in ${SYSTEM_SCHEMAS}`)
    .orderBy(['table_schema', 'table_name'])
    .limit(5)
    .select('table_schema', 'table_name');
  if (foreign.length > 0) {
    throw new FixtureRefusedError(
      `${location} holds tables querygate did not create (${foreign.map((t) => `${t.table_schema}.${t.table_name}`).join(', ')}) and no querygate marker; refusing to write. Give querygate an empty database of its own.`,
    );
  }
  await admin.transaction(async (trx) => {
    await trx.raw(`create schema if not exists ${ident(CLAIM_SCHEMA)}`);
    await trx.raw(`create table if not exists ${ident(CLAIM_SCHEMA)}.${ident(MARKER_TABLE)} (key text primary key, value text not null)`);
    await trx.raw(
      `insert into ${ident(CLAIM_SCHEMA)}.${ident(MARKER_TABLE)} (key, value) values ('tool', 'querygate'), ('claimed_at', ?) on conflict do nothing`,
      [new Date().toISOString()],
    );
  });
}

