/**
 * The keeper of a shared embedded server (see shared-cluster.ts): a detached process that
 * starts the server, publishes how to reach it, and stops it once no querygate process uses it
 * any more. Run as `node --import tsx keeper.ts '<KeeperOptions as JSON>'`; it answers one JSON
 * line on stdout (`{ok, state}` or `{ok: false, error}`), the server's log goes to stderr until
 * then, and to `<dataDir>-keeper.log` always.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { listLive, processStartTime } from '../../system/process-registry.js';
import { acquireFileLock } from './file-lock.js';
import { startEmbeddedPostgres } from './index.js';
import { isGone } from './processes.js';
import { sharedClusterPaths, type KeeperOptions, type KeeperState } from './shared-cluster.js';

const POLL_MS = 200;

const options = JSON.parse(process.argv[2] ?? '{}') as KeeperOptions;
const paths = sharedClusterPaths(options.dataDir);
const logFd = fs.openSync(paths.log, 'w', 0o600);
let forwarding = true;
process.stderr.on('error', () => (forwarding = false));
process.stdout.on('error', () => undefined);

function log(line: string): void {
  fs.writeSync(logFd, line + '\n');
  if (forwarding) process.stderr.write(line + '\n');
}

function answer(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n');
  forwarding = false;
}

let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
try {
  // The launcher's own signal handlers stop the server on SIGTERM (sent by the last user to leave).
  server = await startEmbeddedPostgres({ ...options, onLog: log });
} catch (error) {
  answer({ ok: false, error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

const state: KeeperState = {
  keeperPid: process.pid,
  keeperStartTime: processStartTime(process.pid) ?? '',
  port: server.port,
  version: server.version,
  pid: server.pid,
  libraries: options.sharedPreloadLibraries ?? [],
  timings: server.timings,
  binaries: server.binaries,
  parentDeathGuard: server.parentDeathGuard,
};
// A temporary name nobody can guess, created exclusively, mode 600: what others may read of it is nobody's business.
const stateTmp = `${paths.state}.${randomBytes(6).toString('hex')}.tmp`;
fs.writeFileSync(stateTmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
fs.renameSync(stateTmp, paths.state);
process.on('exit', () => {
  // Only our own state: a keeper started after us must keep its file.
  if (readOwnState()) fs.rmSync(paths.state, { force: true });
});
answer({ ok: true, state });

function readOwnState(): boolean {
  try {
    return (JSON.parse(fs.readFileSync(paths.state, 'utf8')) as KeeperState).keeperPid === process.pid;
  } catch {
    return false;
  }
}

let busy = false;
setInterval(() => {
  if (busy) return;
  busy = true;
  void tick().finally(() => (busy = false));
}, POLL_MS);

async function tick(): Promise<void> {
  if (isGone(state.pid)) {
    log(`querygate keeper: postgres pid ${state.pid} is gone; exiting`);
    process.exit(1);
  }
  if (listLive(paths.users).length > 0) return;
  // Nobody left (the last users crashed, or left without asking us): stop, unless one is joining.
  const lock = await acquireFileLock(paths.lock, 0, 'the embedded Postgres start lock');
  if (lock === null) return;
  try {
    if (listLive(paths.users).length > 0) return;
    log('querygate keeper: no querygate process uses the server any more; stopping it');
    fs.rmSync(paths.state, { force: true });
    await server.stop();
    process.exit(0);
  } finally {
    lock.release();
  }
}
