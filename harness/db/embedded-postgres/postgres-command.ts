/**
 * Running a command as the postgres user (setpriv or spawn's uid/gid switch), with a small fixed
 * environment, its output split into lines.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface RunAs {
  name: string;
  uid: number;
  gid: number;
  gids: number[];
  /** True when we are root and switch to `name` for every postgres command. */
  switchUser: boolean;
}

export interface CmdSpec {
  file: string;
  args: string[];
  uid?: number;
  gid?: number;
}

export interface CmdResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error: Error | null;
  timedOut: boolean;
}

let setprivPathCache: string | null | undefined;

export function findSetpriv(): string | null {
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
export function asUser(runAs: RunAs, file: string, args: string[], opts: { deathSignal?: NodeJS.Signals; useSetpriv?: boolean } = {}): CmdSpec {
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
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    LC_ALL: 'C',
    LANG: 'C',
  };
  const tz = process.env['TZ'];
  if (tz !== undefined) env['TZ'] = tz;
  return env;
}

export function spawnOptions(spec: CmdSpec, extra: SpawnOptions): SpawnOptions {
  const o: SpawnOptions = { env: childEnv(), ...extra };
  if (spec.uid !== undefined) o.uid = spec.uid;
  if (spec.gid !== undefined) o.gid = spec.gid;
  return o;
}

export function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
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

/** Runs a command to its end; `input`, when given, is written to its stdin (secrets: never on a command line, which `ps` shows). */
export function runCmd(spec: CmdSpec, opts: { timeoutMs: number; cwd: string; onLine?: (line: string) => void; input?: string }): Promise<CmdResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    let child: ChildProcess;
    try {
      child = spawn(spec.file, spec.args, spawnOptions(spec, { cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] }));
    } catch (err) {
      resolve({ code: null, signal: null, stdout, stderr, error: err instanceof Error ? err : new Error(String(err)), timedOut });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdin?.on('error', () => undefined); // a command that exits without reading its input
    child.stdin?.end(opts.input);
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
