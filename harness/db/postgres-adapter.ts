import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { QueryPlan } from '../core/result.js';
import { TABLES } from '../../src/schema.js';
import { MARKER_TABLE, WRITE_COUNTER_FUNCTION, WRITE_COUNTER_TABLE, type DialectAdapter, type NamespaceState } from './dialect-adapter.js';
import { FixtureRefusedError } from './fixture-refused-error.js';
import { readPostgresPlan } from './postgres-plan.js';
import { redactSecretsInText, redactUrl } from './pg-url.js';
import { EnvironmentError } from '../core/errors.js';
import { buildLockTimeoutMs, poolAcquireTimeoutMs, seconds } from '../system/timeouts.js';
import { deferPostgresIndexes, ident } from './postgres-ddl.js';
import { copyRowsIn, copyRowsOut } from './postgres-copy.js';
import { OWN_SETTINGS, type ServedConnection } from './served-connection.js';

/** The schema that marks a whole database as claimed by querygate. */
const CLAIM_SCHEMA = 'querygate';
const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')";
/** Relation kinds that hold or show data: tables, partitioned tables, views, materialized views, foreign tables. */
const TABLE_KINDS = "('r', 'p', 'v', 'm', 'f')";
/**
 * Functions the harness creates in a fixture schema (the count triggers' and the write
 * counter's); dropped by name before the schema, which is then dropped RESTRICT.
 */
const FIXTURE_FUNCTIONS = ['collection_artifacts_count()', `${WRITE_COUNTER_FUNCTION}()`];

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

/**
 * Postgres: one fixture per schema (`qg_<profile>_s<seed>`) inside a database that querygate
 * has claimed: either one it created, or an empty one it marked on first use. A database that
 * holds anyone else's tables is refused before anything is written.
 */
export async function createPostgresAdapter(options: { url: string; onClose?: () => Promise<void> }): Promise<DialectAdapter> {
  const url = options.url;
  const location = redactUrl(url);
  const connections = new Set<Knex>();
  const admin = await openClaimedDatabase(url, location);
  connections.add(admin);

  return {
    dialect: 'postgres',
    foreignKeysAfterLoad: true,
    location,
    namespaceFor: (profile, seed, variant) => `qg_${profile}_s${seed}${variant === undefined ? '' : `_${variant}`}`,

    // One builder at a time holds the advisory lock, so one scratch schema per fixture suffices.
    scratchNamespace: (schema) => `${schema}__building`,

    connect(schema, connectOptions = {}) {
      const served = connectOptions.pool === undefined ? (connectOptions.served ?? OWN_SETTINGS) : undefined;
      const db = connectToSchema(url, schema, connectOptions.pool ?? 1, served);
      connections.add(db);
      return db;
    },

    inspect: (schema) => inspectSchema(admin, schema),

    async createNamespace(schema) {
      await admin.raw(`create schema ${ident(schema)}`);
    },

    async dropNamespace(schema) {
      await admin.transaction((trx) => dropFixtureSchema(trx, schema));
    },

    async replaceNamespace(from, to) {
      await admin.transaction(async (trx) => {
        await dropFixtureSchema(trx, to);
        await trx.raw(`alter schema ${ident(from)} rename to ${ident(to)}`);
      });
    },

    withBuildLock: (schema, fn) => withAdvisoryLock(url, schema, fn),
    bulkLoad: copyRowsIn,
    scanTable: copyRowsOut,
    deferIndexes: deferPostgresIndexes,

    // VACUUM ANALYZE of every table in afterBulkLoad.
    analyzeTable: async () => undefined,

    async beforeBulkLoad(db) {
      await db.raw('set synchronous_commit = off');
    },

    afterBulkLoad: vacuumUntilAllVisible,
    installWriteCounter: installStatementWriteCounter,

    async serverVersion(db) {
      const rows = (await db.raw('show server_version')) as { rows: { server_version: string }[] };
      return `PostgreSQL ${rows.rows[0]?.server_version ?? '?'}`;
    },

    explain: explainAnalyze,

    async close() {
      await Promise.all([...connections].map((db) => db.destroy()));
      connections.clear();
      await options.onClose?.();
    },
  };
}

/** The adapter's own pool (namespaces, locks, inspection), once the database is claimed; destroyed when it cannot be. */
async function openClaimedDatabase(url: string, location: string): Promise<Knex> {
  const admin = knex({
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    pool: { min: 0, max: 2 },
    acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
    log: knexLog,
  });
  try {
    await claimDatabase(admin, location);
  } catch (error) {
    await admin.destroy();
    throw error;
  }
  return admin;
}

/**
 * A pool whose unqualified table names resolve inside `schema`; a served one with the service's
 * pool size and run-time settings, through its knex.
 */
function connectToSchema(url: string, schema: string, pool: number, served?: ServedConnection): Knex {
  // Startup options: the server applies them, so no statement runs per connection.
  const settings = Object.entries(served?.settings.postgresSettings ?? {}).map(([name, value]) => ` -c ${name}=${value}`);
  return (served?.knex ?? knex)({
    client: 'pg',
    connection: { connectionString: url, options: `-c search_path=${schema}${settings.join('')}`, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    pool: { min: 0, max: served?.settings.pool.postgres ?? pool },
    acquireConnectionTimeout: poolAcquireTimeoutMs(),
    log: knexLog,
  });
}

/** What a schema holds, read through the admin connection. */
async function inspectSchema(admin: Knex, schema: string): Promise<NamespaceState> {
  // The catalog, not information_schema: that lists only the tables this role may use, and
  // a table the harness cannot see is still someone else's.
  const exists = await admin('pg_namespace').where('nspname', schema).first('nspname');
  if (exists === undefined) return { kind: 'absent' };
  const tables = (await relationsIn(admin, schema)).map((r) => r.relname);
  if (tables.includes(MARKER_TABLE)) {
    const rows: { key: string; value: string }[] = await admin.withSchema(schema).from(MARKER_TABLE).select('key', 'value');
    return { kind: 'ours', marker: Object.fromEntries(rows.map((r) => [r.key, r.value])) };
  }
  return tables.length === 0 ? { kind: 'empty' } : { kind: 'foreign', tables };
}

/** Runs `fn` holding the session advisory lock of one fixture schema, on a connection of its own. */
async function withAdvisoryLock<T>(url: string, schema: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A lost connection rejects the pending query; unhandled, the 'error' event would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    // Another process building this fixture holds the lock for as long as its seeding takes.
    const timeoutMs = buildLockTimeoutMs();
    await client.query(`set lock_timeout = ${Math.ceil(timeoutMs)}`);
    try {
      await client.query('select pg_advisory_lock(hashtext($1))', [`querygate:${schema}`]);
    } catch (error) {
      if ((error as { code?: string } | null)?.code !== '55P03') throw error;
      throw new EnvironmentError(
        `timed out after ${seconds(timeoutMs)} waiting for the advisory lock of fixture ${schema} (another process is building it, or hung while doing so)`,
        'QUERYGATE_LOCK_TIMEOUT_MS sets the limit; pg_locks shows who holds it',
      );
    }
    return await fn();
  } finally {
    await client.end();
  }
}

/** Postgres's DialectAdapter.afterBulkLoad: VACUUM (FREEZE, ANALYZE) until every table is all-visible. */
async function vacuumUntilAllVisible(db: Knex): Promise<void> {
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
}

/** Postgres's DialectAdapter.installWriteCounter: one statement trigger per table. */
async function installStatementWriteCounter(db: Knex, tables: readonly string[]): Promise<void> {
  // Statement triggers: one increment per statement that writes (TRUNCATE included), however
  // many rows. The counter is found in the written table's schema (tg_table_schema), so it
  // survives the rename of the scratch schema into place and any client's search_path.
  await db.raw(`create table ${ident(WRITE_COUNTER_TABLE)} (writes bigint not null)`);
  await db.raw(`insert into ${ident(WRITE_COUNTER_TABLE)} (writes) values (0)`);
  await db.raw(`create function ${WRITE_COUNTER_FUNCTION}() returns trigger language plpgsql as $$
        begin
          execute format('update %I.${WRITE_COUNTER_TABLE} set writes = writes + 1', tg_table_schema);
          return null;
        end
        $$`);
  for (const table of tables) {
    await db.raw(
      `create trigger ${ident(`${WRITE_COUNTER_TABLE}_${table}`)} after insert or update or delete or truncate on ${ident(table)} for each statement execute function ${WRITE_COUNTER_FUNCTION}()`,
    );
  }
}

/** Postgres's DialectAdapter.explain: EXPLAIN ANALYZE, rolled back. */
async function explainAnalyze(db: Knex, sql: string, bindings: readonly unknown[], tableRows: Record<string, number>): Promise<QueryPlan> {
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
}

/**
 * Marks the database as querygate's on first use, or refuses it. Empty means: no tables outside
 * the system schemas and querygate's own.
 */
async function claimDatabase(admin: Knex, location: string): Promise<void> {
  const isClaimed = async (db: Knex) => (await relationsIn(db, CLAIM_SCHEMA)).some((r) => r.relname === MARKER_TABLE);
  if (await isClaimed(admin)) return;
  await admin.transaction(async (trx) => {
    // Two processes claiming a fresh database at once: the second waits here, then finds the
    // first one's marker. Checked again under the lock: seen before it, the first one's marker
    // table would read as someone else's table.
    await trx.raw(`select pg_advisory_xact_lock(hashtext('querygate:claim'))`);
    if (await isClaimed(trx)) return;
    const foreign = await relationsIn(trx, undefined, 5);
    if (foreign.length > 0) {
      throw new FixtureRefusedError(
        `${location} holds tables querygate did not create (${foreign.map((t) => `${t.nspname}.${t.relname}`).join(', ')}) and no querygate marker; refusing to write. Give querygate an empty database of its own.`,
      );
    }
    await trx.raw(`create schema if not exists ${ident(CLAIM_SCHEMA)}`);
    await trx.raw(`create table if not exists ${ident(CLAIM_SCHEMA)}.${ident(MARKER_TABLE)} (key text primary key, value text not null)`);
    await trx.raw(
      `insert into ${ident(CLAIM_SCHEMA)}.${ident(MARKER_TABLE)} (key, value) values ('tool', 'querygate'), ('claimed_at', ?) on conflict do nothing`,
      [new Date().toISOString()],
    );
  });
}

/**
 * Tables (and views) in one schema, or in every schema but the system's when `schema` is
 * undefined, read from the catalog: every relation, whatever this role's privileges on it.
 */
async function relationsIn(db: Knex, schema: string | undefined, limit?: number): Promise<{ nspname: string; relname: string }[]> {
  const query = db('pg_class as c')
    .join('pg_namespace as n', 'n.oid', 'c.relnamespace')
    .whereRaw(`c.relkind in ${TABLE_KINDS}`)
    .orderBy(['n.nspname', 'c.relname'])
    .select('n.nspname', 'c.relname');
  if (schema !== undefined) query.where('n.nspname', schema);
  else query.whereRaw(`n.nspname not in ${SYSTEM_SCHEMAS} and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'`);
  if (limit !== undefined) query.limit(limit);
  return query;
}

/**
 * Drops a fixture schema: the harness's own tables and functions by name, then the schema
 * RESTRICT, so that anything else in it (someone's table, view or function) makes the drop
 * fail instead of vanishing with it.
 */
async function dropFixtureSchema(trx: Knex.Transaction, schema: string): Promise<void> {
  const found = await trx('pg_namespace').where('nspname', schema).first('nspname');
  if (found === undefined) return;
  const ours = [...TABLES, MARKER_TABLE, WRITE_COUNTER_TABLE];
  const others = (await relationsIn(trx, schema)).map((r) => r.relname).filter((name) => !(ours as readonly string[]).includes(name));
  const refuse = (what: string) =>
    new FixtureRefusedError(`schema ${schema} holds ${what} querygate did not create; refusing to drop it (remove them, or drop the schema yourself)`);
  if (others.length > 0) throw refuse(others.slice(0, 5).join(', '));
  try {
    await trx.raw(`drop table if exists ${ours.map((t) => `${ident(schema)}.${ident(t)}`).join(', ')} restrict`);
    for (const fn of FIXTURE_FUNCTIONS) await trx.raw(`drop function if exists ${ident(schema)}.${fn} restrict`);
    await trx.raw(`drop schema ${ident(schema)} restrict`);
  } catch (error) {
    // 2BP01: something of someone else's depends on one of ours, or lives in the schema.
    if ((error as { code?: string }).code === '2BP01') throw refuse('objects (functions, types, sequences, or views on its tables)');
    throw error;
  }
}

