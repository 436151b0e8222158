/**
 * One embedded server shared by every querygate process on the machine that uses the same data
 * directory: the first one starts it, the others join it, the last one to leave stops it. Each
 * process keeps its own database objects apart (fixtures are schemas built under an advisory
 * lock, so two runs seeding at once wait for each other and then reuse the one fixture).
 *
 * The server cannot be the child of the querygate process that happened to start it: it would
 * die with that process (the parent-death guard) while others still use it. So a small detached
 * keeper process (keeper.ts) starts it with the ordinary launcher and stays its parent. Beside
 * the data directory:
 * - `<dataDir>-users/`: one entry per process using the server (process-registry.ts); entries of
 *   crashed processes are ignored.
 * - `<dataDir>-keeper.json`: how to reach the running server, and the keeper's identity.
 * - `<dataDir>-lock`: held (flock) while a process joins, starts, or decides to stop the server,
 *   so that nobody joins a server that is being stopped.
 * - `<dataDir>-keeper.log`: the server's log.
 * The keeper polls the users every 200 ms and stops the server when none is left (a user that
 * leaves normally asks it at once); if the keeper itself is killed, the parent-death guard stops
 * the server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { redactCommandLine } from '../pg-url.js';
import { isSameProcessAlive, listLive, register, type Registration } from '../../system/process-registry.js';
import { defaultDataDir, ensureDataParent } from './cluster-init.js';
import { readClusterPassword, superuserUrl } from './cluster-password.js';
import { acquireFileLock } from './file-lock.js';
import type { EmbeddedPostgres, EmbeddedPostgresOptions } from './options.js';
import { findPostgresProcesses, isGone, procInfo, sleep } from './processes.js';
import { forEachLine } from './postgres-command.js';

/** How long a process waits for another to finish starting or stopping the server. */
const LOCK_TIMEOUT_MS = 180_000;
/** How long the keeper may take to stop the server once asked. */
const KEEPER_STOP_MS = 15_000;

export interface SharedClusterPaths {
  dataDir: string;
  users: string;
  state: string;
  lock: string;
  log: string;
}

export function sharedClusterPaths(dataDir: string): SharedClusterPaths {
  return { dataDir, users: `${dataDir}-users`, state: `${dataDir}-keeper.json`, lock: `${dataDir}-lock`, log: `${dataDir}-keeper.log` };
}

/**
 * What the keeper publishes once its server answers (mode 600). No password: whoever joins reads
 * it from the cluster's own file (cluster-password.ts), and builds the URL to 127.0.0.1 itself.
 */
export interface KeeperState {
  keeperPid: number;
  keeperStartTime: string;
  port: number;
  version: string;
  pid: number;
  libraries: string[];
  timings: EmbeddedPostgres['timings'];
  binaries: EmbeddedPostgres['binaries'];
  parentDeathGuard: EmbeddedPostgres['parentDeathGuard'];
}

/** The options the keeper gets on its command line (the logger stays here). */
export type KeeperOptions = Omit<EmbeddedPostgresOptions, 'onLog' | 'dataDir' | 'installSignalHandlers'> & { dataDir: string };

export interface SharedEmbeddedPostgres extends EmbeddedPostgres {
  /** False when this process joined a server another process had started. */
  startedHere: boolean;
  /** Leaves the server; the last process to leave stops it. Idempotent. */
  stop(): Promise<void>;
}

/** The keeper's file, when it is a plain file of ours (never through a link) holding a state. */
export function readKeeperState(file: string): KeeperState | null {
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || stat.uid !== process.getuid?.()) return null;
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as KeeperState;
    return Number.isInteger(state.keeperPid) && Number.isInteger(state.pid) && Number.isInteger(state.port) ? state : null;
  } catch {
    return null;
  }
}

/**
 * True while the state's keeper runs: the very process (pid and start time), one of ours running
 * keeper.ts, and its server a postgres of this data directory whose parent it is. A state that
 * names anything else (a crashed keeper's pid reused, a forged file) is never joined nor signalled.
 */
function isLiveKeeper(state: KeeperState, dataDir: string): boolean {
  if (!isSameProcessAlive(state.keeperPid, state.keeperStartTime)) return false;
  const keeper = procInfo(state.keeperPid);
  if (keeper === null || keeper.uid !== process.getuid?.() || !keeper.cmdline.includes(KEEPER_SCRIPT)) return false;
  return findPostgresProcesses(dataDir).some((p) => p.pid === state.pid && p.ppid === state.keeperPid);
}

function liveState(paths: SharedClusterPaths): KeeperState | null {
  const state = readKeeperState(paths.state);
  return state !== null && isLiveKeeper(state, paths.dataDir) ? state : null;
}

const joined = new Set<SharedEmbeddedPostgres>();
/** One registry entry per process and data directory, however many handles this process holds. */
const local = new Map<string, { registration: Registration; handles: number }>();

function registerHere(paths: SharedClusterPaths): void {
  const held = local.get(paths.dataDir);
  if (held !== undefined) held.handles++;
  else local.set(paths.dataDir, { registration: register(paths.users, { argv: redactCommandLine(process.argv.slice(1, 4)) }), handles: 1 });
}

/** True when this process no longer uses the server (its entry is gone). */
function unregisterHere(paths: SharedClusterPaths): boolean {
  const held = local.get(paths.dataDir);
  if (held === undefined) return true;
  if (--held.handles > 0) return false;
  local.delete(paths.dataDir);
  held.registration.remove();
  return true;
}

/** Leaves every shared server this process joined. For the CLI's signal handling. */
export async function leaveAllSharedClusters(): Promise<void> {
  await Promise.all([...joined].map((s) => s.stop()));
}

/**
 * Joins the server on the data directory, starting it (through a keeper) when none runs.
 * Resolves once it answers queries.
 */
export async function joinSharedEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<SharedEmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
  const paths = sharedClusterPaths(dataDir);
  const log = opts.onLog ?? (() => {});
  // Before the lock, the keeper's file or the users are looked at: the folder must be ours alone.
  ensureDataParent(dataDir);
  const lock = await acquireFileLock(paths.lock, LOCK_TIMEOUT_MS, `the embedded Postgres start lock (another querygate is starting or stopping the server on ${dataDir})`);
  let registered = false;
  let state: KeeperState;
  let url: string;
  let startedHere = false;
  try {
    registerHere(paths);
    registered = true;
    const running = liveState(paths);
    const wanted = opts.sharedPreloadLibraries ?? [];
    if (running !== null && wanted.every((l) => running.libraries.includes(l))) {
      log(`querygate: joining the embedded Postgres pid ${running.pid} on ${dataDir} (kept by pid ${running.keeperPid})`);
      state = running;
    } else {
      if (running !== null) {
        throw new Error(
          `The embedded Postgres on ${dataDir} runs without ${wanted.join(', ')}, and other querygate processes use it. ` +
            'Wait for them to finish, or use another data directory (QUERYGATE_CACHE_DIR).',
        );
      }
      state = await startKeeper(paths, opts, log);
      startedHere = true;
    }
    // A keeper we started that nobody uses stops its server by itself.
    url = superuserUrl(state.port, clusterPassword(dataDir));
  } catch (error) {
    if (registered) unregisterHere(paths);
    throw error;
  } finally {
    lock?.release();
  }
  let leaving: Promise<void> | undefined;
  const handle: SharedEmbeddedPostgres = {
    url,
    port: state.port,
    version: state.version,
    dataDir,
    pid: state.pid,
    timings: startedHere ? state.timings : { initdbMs: null, startMs: 0 },
    binaries: state.binaries,
    parentDeathGuard: state.parentDeathGuard,
    startedHere,
    stop: () => {
      leaving ??= leave(paths, state).finally(() => joined.delete(handle));
      return leaving;
    },
  };
  joined.add(handle);
  return handle;
}

async function leave(paths: SharedClusterPaths, state: KeeperState): Promise<void> {
  if (!unregisterHere(paths)) return;
  const lock = await acquireFileLock(paths.lock, LOCK_TIMEOUT_MS, `the embedded Postgres start lock (stopping the server on ${paths.dataDir})`);
  try {
    if (listLive(paths.users).length > 0) return;
    if (!isLiveKeeper(state, paths.dataDir)) return;
    // The last one out: the keeper stops the server on SIGTERM; wait for both to be gone.
    process.kill(state.keeperPid, 'SIGTERM');
    const deadline = Date.now() + KEEPER_STOP_MS;
    while (Date.now() < deadline && (isSameProcessAlive(state.keeperPid, state.keeperStartTime) || !isGone(state.pid))) await sleep(25);
    // A keeper that dies of the signal has no exit hook to remove its state.
    if (readKeeperState(paths.state)?.keeperPid === state.keeperPid) fs.rmSync(paths.state, { force: true });
  } finally {
    lock?.release();
  }
}

const KEEPER_SCRIPT = fileURLToPath(new URL('./keeper.ts', import.meta.url));

/** Starts the keeper, which starts the server; resolves with what it publishes once the server answers. */
async function startKeeper(paths: SharedClusterPaths, opts: EmbeddedPostgresOptions, log: (line: string) => void): Promise<KeeperState> {
  const keeperOptions: KeeperOptions = { ...opts, dataDir: paths.dataDir };
  delete (keeperOptions as EmbeddedPostgresOptions).onLog;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  // Detached: its own session, so a Ctrl-C in a terminal reaches the querygate processes, which
  // leave in order, and not the keeper of a server that others may still use.
  const child = spawn(process.execPath, ['--import', tsx, KEEPER_SCRIPT, JSON.stringify(keeperOptions)], {
    cwd: '/',
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  forEachLine(child.stderr, (line) => {
    lines.push(line);
    log(line);
  });
  const result = await new Promise<KeeperState | Error>((resolve) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const message = JSON.parse(out.slice(0, nl)) as { ok: true; state: KeeperState } | { ok: false; error: string };
      resolve(message.ok ? message.state : new Error(message.error));
    });
    child.once('error', (error) => resolve(error));
    child.once('exit', (code, signal) =>
      resolve(new Error(`the Postgres keeper exited (code ${code ?? 'none'}, signal ${signal ?? 'none'}) before its server answered. Last lines:\n${lines.slice(-20).join('\n')}`)),
    );
  });
  child.stdout.destroy();
  child.stderr.destroy();
  child.unref();
  if (result instanceof Error) throw result;
  return result;
}

/** The password of the cluster the keeper started (which wrote it at initdb, or gave it at its first start). */
function clusterPassword(dataDir: string): string {
  const password = readClusterPassword(dataDir);
  if (password === null) throw new Error(`the embedded Postgres on ${dataDir} runs, but its password file is missing`);
  return password;
}
