import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readProcStat } from './proc-stat.js';

/**
 * A folder of entries, one file per live process, named `<pid>-<start time>.json`. A pid alone
 * is not an identity (pids are reused); with the kernel's start time of the process it is. An
 * entry whose process is gone (crashed, SIGKILLed) is stale: listing ignores it and removes it
 * when it is ours, so nobody has to clean up after a process that could not.
 */

export interface RegistryEntry<T> {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22). */
  startTime: string;
  data: T;
}

export interface Registration {
  file: string;
  /** Removes the entry; idempotent and synchronous (usable from an `exit` hook). */
  remove(): void;
}

/** The start time of a live process, or null when it is gone or a zombie. */
export function processStartTime(pid: number): string | null {
  const startTime = readProcStat(pid)?.startTime;
  return startTime === undefined || startTime === '' ? null : startTime;
}

/** True while the process that had this start time runs. */
export function isSameProcessAlive(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}

/** The uid a live process runs as (the owner of its /proc entry), or null when it is gone. */
export function processUid(pid: number): number | null {
  try {
    return fs.statSync(`/proc/${pid}`).uid;
  } catch {
    return null;
  }
}

/** An entry is a few hundred bytes; anything much larger is not one. */
const MAX_ENTRY_BYTES = 64 * 1024;

/**
 * Adds this process (or `pid`) to the folder; removed again on exit, even by process.exit().
 * The folder may be shared with other users (the measuring registry is world-writable): the entry
 * is written to a temporary file of a name nobody can guess, created exclusively (never through a
 * link planted there), then renamed into place.
 */
export function register<T>(dir: string, data: T, pid: number = process.pid): Registration {
  const startTime = processStartTime(pid);
  if (startTime === null) throw new Error(`process ${pid} does not run`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = path.join(dir, `${pid}-${startTime}.json`);
  const tmp = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify({ pid, startTime, data }) + '\n', { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (error) {
    removeOwnFile(tmp);
    throw error;
  }
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    removeOwnFile(file);
  };
  process.on('exit', remove);
  return { file, remove };
}

/** Removes `file` when it is a file of ours (not another user's, not a folder put in its place); never throws. */
function removeOwnFile(file: string): void {
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || stat.uid !== process.getuid?.()) return;
    fs.rmSync(file, { force: true });
  } catch {
    // gone already, or not ours to remove
  }
}

/**
 * The entry in `file` for the live process `pid`, or null when it cannot be trusted: not a plain
 * file (a folder, a link, a device), too large, unreadable, or written by a user other than the
 * process's own (another user could name any live process).
 */
function readEntry<T>(file: string, pid: number): { data: T } | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_ENTRY_BYTES || stat.uid !== processUid(pid)) return null;
    const entry = JSON.parse(fs.readFileSync(fd, 'utf8')) as { data?: T } | null;
    return entry !== null && typeof entry === 'object' && 'data' in entry ? { data: entry.data as T } : null;
  } catch {
    return null; // removed meanwhile by its owner, or not an entry
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The entries of live processes. Entries of dead ones are removed on the way when they are ours;
 * anything else named like an entry (another user's, a folder, a link) is ignored, never fatal.
 */
export function listLive<T>(dir: string): Array<RegistryEntry<T>> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const live: Array<RegistryEntry<T>> = [];
  for (const name of names) {
    const m = /^(\d+)-(\d+)\.json$/.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    const startTime = m[2] ?? '';
    const file = path.join(dir, name);
    if (!isSameProcessAlive(pid, startTime)) {
      removeOwnFile(file);
      continue;
    }
    const entry = readEntry<T>(file, pid);
    if (entry !== null) live.push({ pid, startTime, data: entry.data });
  }
  return live;
}
