/**
 * The data directory: its default place, its parent and socket folder, the server settings, and
 * initdb, once, into a temporary sibling renamed into place.
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findBlockingAncestor } from './binary-discovery.js';
import type { Binaries } from './binary-staging.js';
import { newClusterPassword, writePasswordFile } from './cluster-password.js';
import { SUPERUSER, CLUSTER_MARKER, INITDB_TIMEOUT_MS, LOG_TAIL_LINES } from './options.js';
import { isGone } from './processes.js';
import { type RunAs, asUser, runCmd } from './postgres-command.js';
import { cacheDir, ensureOwnFolder } from '../../system/cache-dir.js';
import { exists, errorCode, indent } from './util.js';

/** `<cache folder>/pg17` (see {@link cacheDir}). */
export function defaultDataDir(): string {
  return path.join(cacheDir(), 'pg17');
}

/** Longest Unix socket path (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * The data directory's parent (the cache folder by default), created when missing and refused
 * unless it is ours and nobody else may write to it: the keeper's file, the lock and the users'
 * registry beside the data directory are trusted because of that (see ensureOwnFolder).
 */
export function ensureDataParent(dataDir: string): string {
  return ensureOwnFolder(path.dirname(dataDir), 'the folder of the embedded Postgres data directory');
}

/**
 * Creates the data directory's parent (see {@link ensureDataParent}) and the socket directory
 * beside the data directory, and checks the postgres user can reach them. Returns the socket
 * directory, or null when its path would be too long for a Unix socket (then the server listens
 * on TCP only).
 */
export async function prepareParent(dataDir: string, runAs: RunAs): Promise<string | null> {
  const parent = ensureDataParent(dataDir);
  if (runAs.switchUser) {
    const r = await runCmd(asUser(runAs, 'test', ['-x', parent]), { timeoutMs: 10_000, cwd: '/' });
    if (r.code !== 0) {
      const blocking = findBlockingAncestor(parent, { uid: runAs.uid, gids: runAs.gids });
      throw new Error(
        `The ${runAs.name} OS user (uid ${runAs.uid}) cannot reach ${parent}` +
          (blocking ? ` (${blocking.dir} has mode ${blocking.mode.toString(8)} and belongs to uid ${blocking.uid})` : '') +
          `. Keep the data directory under ${os.tmpdir()} (the default) or set QUERYGATE_CACHE_DIR to a folder that user can enter.`,
      );
    }
  }
  const socketDir = `${dataDir}-socket`;
  if (socketDir.length + '/.s.PGSQL.65535.lock'.length > MAX_SOCKET_PATH || /[\s,"'\\]/.test(socketDir)) {
    return null;
  }
  await fsp.mkdir(socketDir, { recursive: true, mode: 0o700 });
  if (runAs.switchUser) await fsp.chown(socketDir, runAs.uid, runAs.gid);
  return socketDir;
}

/** Removes `<dataDir>.initdb-<pid>-*` directories left by an initdb whose process is gone. */
export async function removeAbandonedInitdbDirs(dataDir: string, log: (line: string) => void): Promise<void> {
  const parent = path.dirname(dataDir);
  const prefix = `${path.basename(dataDir)}.initdb-`;
  for (const name of await fsp.readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isGone(pid)) continue; // a concurrent initdb
    if (pid === process.pid && initdbInProgress.has(path.join(parent, name.replace(/\.pw$/, '')))) continue;
    log(`querygate: removing ${path.join(parent, name)}, left by an interrupted initdb`);
    await fsp.rm(path.join(parent, name), { recursive: true, force: true });
  }
}

const initdbInProgress = new Set<string>();

/** Static settings, written into postgresql.conf by initdb and given on every start too. */
export function staticSettings(): string[] {
  return [
    'listen_addresses=127.0.0.1',
    // A disposable benchmark cluster: durability is traded for speed. Never use these three
    // settings for data that matters; a crash can corrupt the cluster (then delete it).
    'fsync=off',
    'synchronous_commit=off',
    'full_page_writes=off',
    'shared_buffers=128MB',
    'lc_messages=C',
  ];
}

export function serverSettings(socketDir: string | null, libraries: readonly string[]): string[] {
  const settings = [...staticSettings(), `unix_socket_directories=${socketDir ?? ''}`];
  if (libraries.length > 0) {
    for (const lib of libraries) {
      if (!/^[A-Za-z0-9_]+$/.test(lib)) throw new Error(`Invalid shared preload library name: ${JSON.stringify(lib)}`);
    }
    settings.push(`shared_preload_libraries=${libraries.join(',')}`);
    if (libraries.includes('pg_stat_statements')) settings.push('pg_stat_statements.track=all');
  }
  return settings;
}

interface ClusterMarker {
  createdBy: 'querygate';
  createdAt: string;
  serverVersion: string;
  packageVersion: string;
}

/**
 * initdb once per data directory. initdb runs into a temporary sibling directory which is
 * renamed into place after initdb succeeded and the marker was written: a data directory that
 * exists is complete, and a half-initialised one (initdb died) is a leftover sibling that the
 * next run wipes. Returns initdb's duration, or null when the data directory was reused.
 */
export async function ensureInitialised(dataDir: string, bins: Binaries, runAs: RunAs, log: (line: string) => void): Promise<number | null> {
  const marker = path.join(dataDir, CLUSTER_MARKER);
  if (await exists(marker)) {
    const pgVersion = (await fsp.readFile(path.join(dataDir, 'PG_VERSION'), 'utf8').catch(() => '')).trim();
    const major = bins.serverVersion.split('.')[0];
    if (pgVersion !== '' && pgVersion !== major) {
      throw new Error(`The data directory ${dataDir} was initialised by PostgreSQL ${pgVersion}, but the binaries are ${bins.serverVersion}. Delete it (it is a disposable benchmark cluster) to re-create it.`);
    }
    return null;
  }
  let existing: string[] | null = null;
  try {
    existing = await fsp.readdir(dataDir);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  if (existing !== null && existing.length > 0) {
    throw new Error(
      `Refusing to use ${dataDir} as the embedded Postgres data directory: it is not empty and has no ${CLUSTER_MARKER}, ` +
        'so querygate did not create it. Remove it or choose another data directory.',
    );
  }

  const tmp = `${dataDir}.initdb-${process.pid}-${randomBytes(4).toString('hex')}`;
  const pwfile = `${tmp}.pw`;
  initdbInProgress.add(tmp);
  const t0 = performance.now();
  try {
    const password = newClusterPassword();
    await runInitdb({ tmp, pwfile, password }, dataDir, bins, runAs, log);
    writePasswordFile(tmp, password);
    const content: ClusterMarker = { createdBy: 'querygate', createdAt: new Date().toISOString(), serverVersion: bins.serverVersion, packageVersion: bins.packageVersion };
    await fsp.writeFile(path.join(tmp, CLUSTER_MARKER), JSON.stringify(content, null, 2) + '\n', { mode: 0o644 });
    if (existing !== null) await fsp.rmdir(dataDir); // an empty directory was there: replace it
    try {
      await fsp.rename(tmp, dataDir);
    } catch (err) {
      const code = errorCode(err);
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(marker))) {
        log(`querygate: ${dataDir} was initialised by a concurrent run; using it`);
        return null;
      }
      throw err;
    }
    return performance.now() - t0;
  } finally {
    initdbInProgress.delete(tmp);
    await fsp.rm(pwfile, { force: true });
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * initdb into `tmp` (created here), for `dataDir`, the superuser's password given in the file
 * `pwfile` (created here, mode 600); throws with its last lines when it fails.
 */
async function runInitdb(into: { tmp: string; pwfile: string; password: string }, dataDir: string, bins: Binaries, runAs: RunAs, log: (line: string) => void): Promise<void> {
  const { tmp, pwfile } = into;
  const tail: string[] = [];
  await fsp.mkdir(tmp, { mode: 0o700 });
  await fsp.writeFile(pwfile, into.password + '\n', { mode: 0o600, flag: 'wx' });
  if (runAs.switchUser) {
    await fsp.chown(tmp, runAs.uid, runAs.gid);
    await fsp.chown(pwfile, runAs.uid, runAs.gid);
  }
  const args = [
    `--pgdata=${tmp}`,
    '--auth=scram-sha-256',
    `--username=${SUPERUSER}`,
    `--pwfile=${pwfile}`,
    '--encoding=UTF8',
    // C collation: ORDER BY on text sorts bytewise, as SQLite does.
    '--locale=C',
    // Disposable cluster: no fsync of the new files either.
    '--no-sync',
    '--no-instructions',
    ...staticSettings().flatMap((s) => ['-c', s]),
  ];
  const r = await runCmd(asUser(runAs, path.join(bins.nativeDir, 'bin', 'initdb'), args, { deathSignal: 'SIGKILL' }), {
    timeoutMs: INITDB_TIMEOUT_MS,
    cwd: path.dirname(dataDir),
    onLine: (line) => {
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      log(line);
    },
  });
  if (r.code !== 0) {
    const why = r.timedOut ? `timed out after ${INITDB_TIMEOUT_MS / 1000} s` : r.error ? r.error.message : `exit code ${r.code ?? 'none'}, signal ${r.signal ?? 'none'}`;
    throw new Error(`initdb failed (${why}) for ${dataDir}. Last lines:\n${indent(tail)}`);
  }
}
