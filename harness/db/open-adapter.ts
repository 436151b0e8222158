import { join } from 'node:path';
import knex from 'knex';
import { cacheDir } from '../cache-dir.js';
import { DelayProxy } from '../net/delay-proxy.js';
import { EnvironmentError } from '../errors.js';
import type { Dialect } from '../result.js';
import type { DialectAdapter } from './dialect-adapter.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { parsePgUrl, redactUrl } from './pg-url.js';
import { createPostgresAdapter } from './postgres-adapter.js';
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
  if (dialect === 'sqlite') return createSqliteAdapter({ dir: join(cacheDir(), 'sqlite'), file: target.sqliteFile });
  const url = target.pgUrl ?? (process.env.DATABASE_URL || undefined);
  if (url !== undefined) {
    parsePgUrl(url);
    const routed = await throughProxy(url, target.rttMs);
    return connectOrExplain(url, () => createPostgresAdapter({ url: routed.url, onClose: routed.close }));
  }
  const server = await startEmbeddedPostgres({
    dataDir: join(cacheDir(), 'pg17'),
    ...(target.pgStatStatements === true ? { sharedPreloadLibraries: ['pg_stat_statements'] } : {}),
    ...(target.onLog === undefined ? {} : { onLog: target.onLog }),
  }).catch((error: unknown) => {
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
  const admin = knex({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 } });
  try {
    const found = await admin('pg_database').where('datname', name).first('datname');
    if (found === undefined) await admin.raw(`create database "${name}" template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
  } finally {
    await admin.destroy();
  }
}

/** Turns connection failures into an environment error with a hint, never showing the password. */
async function connectOrExplain<T>(url: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error instanceof Error ? error.message : String(error)).replaceAll(new URL(url).password || '\u0000', '***');
    const hints: Record<string, string> = {
      ECONNREFUSED: 'nothing listens there: is the server running, and is the port right?',
      ENOTFOUND: 'the host name does not resolve',
      EAI_AGAIN: 'the host name does not resolve',
      ETIMEDOUT: 'the server did not answer in time',
      '28P01': 'the password was refused',
      '28000': 'the server refused this user or database (pg_hba.conf)',
      '3D000': 'the database does not exist: create it, or name another in the URL',
    };
    if (code !== undefined && code in hints) {
      throw new EnvironmentError(`cannot connect to Postgres at ${redactUrl(url)}: ${message}`, hints[code]);
    }
    throw error;
  }
}
