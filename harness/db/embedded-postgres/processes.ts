/**
 * Processes as /proc shows them: liveness (zombies count as gone), the processes serving a data
 * directory, signals to processes that are not our children.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readProcStat } from '../../system/proc-stat.js';

export interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
  uid: number;
  cmdline: string[];
  cwd: string | null;
}

/** A live process (zombies count as gone), or null. */
export function procInfo(pid: number): ProcInfo | null {
  const stat = readProcStat(pid);
  if (stat === null) return null;
  const { state, comm, ppid } = stat;
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

export function isGone(pid: number): boolean {
  return procInfo(pid) === null;
}

export function realpathOr(p: string): string {
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signals a process that is not our child and polls /proc until it is gone. */
export async function signalAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  trySignal(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isGone(pid)) return true;
    await sleep(50);
  }
  return isGone(pid);
}
