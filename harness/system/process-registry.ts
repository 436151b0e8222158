import fs from 'node:fs';
import path from 'node:path';
import { readProcStat } from './proc-stat.js';

/**
 * A folder of entries, one file per live process, named `<pid>-<start time>.json`. A pid alone
 * is not an identity (pids are reused); with the kernel's start time of the process it is. An
 * entry whose process is gone (crashed, SIGKILLed) is stale: listing ignores and removes it, so
 * nobody has to clean up after a process that could not.
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

/** Adds this process (or `pid`) to the folder; removed again on exit, even by process.exit(). */
export function register<T>(dir: string, data: T, pid: number = process.pid): Registration {
  const startTime = processStartTime(pid);
  if (startTime === null) throw new Error(`process ${pid} does not run`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = path.join(dir, `${pid}-${startTime}.json`);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ pid, startTime, data }) + '\n', { mode: 0o644 });
  fs.renameSync(tmp, file);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    fs.rmSync(file, { force: true });
  };
  process.on('exit', remove);
  return { file, remove };
}

/** The entries of live processes; entries of dead ones are removed on the way. */
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
      fs.rmSync(file, { force: true });
      continue;
    }
    try {
      const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as RegistryEntry<T>;
      live.push({ pid, startTime, data: entry.data });
    } catch {
      // removed meanwhile by its owner
    }
  }
  return live;
}
