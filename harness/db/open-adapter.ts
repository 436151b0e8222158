import { dirname, join } from 'node:path';
import knex from 'knex';
import { ensureCacheDir, ensureOwnFolder } from '../system/cache-dir.js';
import { DelayProxy } from '../system/delay-proxy.js';
import { EnvironmentError, UsageError } from '../core/errors.js';
import type { Dialect } from '../core/result.js';
import type { DialectAdapter } from './dialect-adapter.js';
import { joinSharedEmbeddedPostgres } from './embedded-postgres/index.js';
import { parsePgUrl, redactUrl } from './pg-url.js';
import { FixtureRefusedError } from './fixture-refused-error.js';
import { createPostgresAdapter, knexLog } from './postgres-adapter.js';
import { createSqliteAdapter } from './sqlite-adapter.js';

export interface DatabaseTarget {
  /** SQLite file to use instead of the cache's. */
  sqliteFile?: string | undefined;
  /** External Postgres; otherwise DATABASE_URL; otherwise an embedded server. */
  pgUrl?: string | undefined;
  /** Load pg_stat_statements into the embedded server. */
  pgStatStatements?: boolean | undefined;
  onLog?: ((line: string) => void) | undefined;
  /** Route every Postgres connection through a proxy that adds this round trip (ms). */
  rttMs?: number | undefined;
}

const EMBEDDED_DATABASE = 'querygate';

/** Opens the adapter of a dialect, starting an embedded Postgres when no server is given. */
export async function openAdapter(dialect: Dialect, target: DatabaseTarget): Promise<DialectAdapter> {
  if (dialect === 'sqlite') {
    if (target.sqliteFile !== undefined) return createSqliteAdapter({ dir: dirname(target.sqliteFile), file: target.sqliteFile });
    // Fixtures in the cache folder are opened as they are found: only when nobody else could have put them there.
    return createSqliteAdapter({ dir: ensureOwnFolder(join(ensureCacheDir(), 'sqlite'), 'the SQLite fixture folder') });
  }
  const url = target.pgUrl ?? (process.env.DATABASE_URL || undefined);
  if (url !== undefined) {
    try {
      parsePgUrl(url);
    } catch (error) {
      // Bad input, not a failing environment; parsePgUrl's message shows the URL only redacted.
      throw new UsageError(`${target.pgUrl === undefined ? 'DATABASE_URL' : '--pg-url'}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const routed = await throughProxy(url, target.rttMs);
    try {
      return await connectOrExplain(url, () => createPostgresAdapter({ url: routed.url, onClose: routed.close }));
    } catch (error) {
      await routed.close();
      throw error;
    }
  }
  // Shared with every other querygate process on this data directory; the last one out stops it.
  const server = await joinSharedEmbeddedPostgres({
    dataDir: join(ensureCacheDir(), 'pg17'),
    ...(target.pgStatStatements === true ? { sharedPreloadLibraries: ['pg_stat_statements'] } : {}),
    ...(target.onLog === undefined ? {} : { onLog: target.onLog }),
  }).catch((error: unknown) => {
    if (error instanceof EnvironmentError) throw error;
    throw new EnvironmentError(`could not start the embedded Postgres: ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    await ensureDatabase(server.url, EMBEDDED_DATABASE);
    const dbUrl = new URL(server.url);
    dbUrl.pathname = `/${EMBEDDED_DATABASE}`;
    const routed = await throughProxy(dbUrl.toString(), target.rttMs);
    return await createPostgresAdapter({
      url: routed.url,
      onClose: async () => {
        await routed.close();
        await server.stop();
      },
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The URL to connect to: the server's own, or a delaying proxy's in front of it. */
async function throughProxy(url: string, rttMs: number | undefined): Promise<{ url: string; close: () => Promise<void> }> {
  if (rttMs === undefined || rttMs <= 0) return { url, close: async () => {} };
  const parsed = new URL(url);
  const proxy = await DelayProxy.start({ host: parsed.hostname, port: Number(parsed.port || 5432) }, rttMs);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return { url: parsed.toString(), close: () => proxy.close() };
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const admin = knex({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 }, log: knexLog });
  try {
    const found = await admin('pg_database').where('datname', name).first('datname');
    if (found !== undefined) return;
    try {
      await admin.raw(`create database "${name}" template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
    } catch (error) {
      // Another querygate process sharing the server created it meanwhile (42P04, or 23505 in the race on the catalogue).
      const code = (error as { code?: string } | null)?.code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  } finally {
    await admin.destroy();
  }
}

const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there: is the server running, and is the port right?',
  ENOTFOUND: 'the host name does not resolve: check the host in the URL',
  EAI_AGAIN: 'the host name does not resolve (DNS unavailable?): check the host in the URL',
  ETIMEDOUT: 'the server did not answer in time: is the host reachable, and the port right?',
  EHOSTUNREACH: 'no route to that host: is the host reachable from here?',
  ENETUNREACH: 'no route to that network: is the host reachable from here?',
  ECONNRESET: 'the connection was cut: is it a Postgres server, and does it accept connections from here?',
  '28P01': 'the password was refused: check the user and password in the URL',
  '28000': 'the server refused this user or database (pg_hba.conf)',
  '3D000': 'the database does not exist: create it, or name another in the URL',
  '53300': 'the server has no free connection slot: too many clients',
  '57P03': 'the server is starting up or shutting down: try again in a moment',
};

/** A hint for a connection failure without a code (timeouts, a peer that hangs up). */
function hintFromMessage(message: string): string | undefined {
  if (/timeout|timed out/i.test(message)) return 'the server did not answer within 5 s: is the host reachable, and is it a Postgres server on that port?';
  if (/Connection terminated|server closed the connection/i.test(message)) {
    return 'the server closed the connection at once: is it a Postgres server, and does it accept this client (SSL, pg_hba.conf)?';
  }
  return undefined;
}

/**
 * Turns any failure to connect into an environment error (exit 3) with a hint, naming the server
 * by its redacted URL and never showing the password. Refusals and usage errors pass through.
 */
async function connectOrExplain<T>(url: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    if (error instanceof FixtureRefusedError || error instanceof UsageError || error instanceof EnvironmentError) throw error;
    const code = (error as { code?: string } | null)?.code;
    let message = error instanceof Error ? error.message : String(error);
    const { password } = new URL(url);
    for (const secret of [password, safeDecode(password)]) if (secret !== '') message = message.replaceAll(secret, '***');
    const hint = (code === undefined ? undefined : CONNECT_HINTS[code]) ?? hintFromMessage(message);
    if (hint !== undefined) throw new EnvironmentError(`cannot connect to Postgres at ${redactUrl(url)}: ${message.split('\n')[0]}`, hint);
    throw new EnvironmentError(
      `Postgres at ${redactUrl(url)} failed while querygate claimed the database: ${message.split('\n')[0]}`,
      code === '42501' ? 'the user may not create schemas and tables there: give querygate a database of its own' : 'check the URL (--pg-url or DATABASE_URL), and that this user may create schemas and tables there',
    );
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
