import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redactCommandLine, redactCommandText } from '../db/pg-url.js';
import { listLive, register, type Registration } from '../system/process-registry.js';
import type { ConcurrentRun } from '../core/result.js';

/**
 * Every querygate process that measures registers in one folder for the whole machine (not per
 * cache folder: runs with different caches still share the CPUs). While it measures, a run looks
 * at the folder twice a second and remembers whom it saw, so its result can say that its
 * latencies were taken beside another run's. Entries of crashed processes are ignored.
 */
export function measuringRegistryDir(): string {
  return process.env['QUERYGATE_MEASURING_DIR'] ?? path.join(os.tmpdir(), 'querygate-measuring');
}

const POLL_MS = 500;

interface EntryData {
  startedAt: string;
  command: string;
}

export interface MeasuringSession {
  /** Stops watching and unregisters; the other runs seen meanwhile, by pid. Idempotent. */
  finish(): ConcurrentRun[];
}

/** Longest command line recorded, and shown of another run's. */
const MAX_COMMAND = 200;

/**
 * Joins the machine's measuring registry and watches it. Whatever the folder holds (another user's
 * entries, a crashed run's, a folder or link named like an entry), and even when this process
 * cannot register, measuring goes on: the registry only annotates the result.
 */
export function startMeasuring(dir: string = measuringRegistryDir()): MeasuringSession {
  const registration = registerMeasuring(dir);
  const seen = new Map<string, ConcurrentRun>();
  const look = (): void => {
    const now = new Date().toISOString();
    for (const entry of listLive<Partial<EntryData> | undefined>(dir)) {
      if (entry.pid === process.pid) continue;
      const key = `${entry.pid}-${entry.startTime}`;
      const known = seen.get(key);
      if (known !== undefined) known.until = now;
      else seen.set(key, { pid: entry.pid, command: shownCommand(entry.data), startedAt: printable(entry.data?.startedAt).slice(0, 40), from: now, until: now });
    }
  };
  look();
  const timer = setInterval(look, POLL_MS);
  timer.unref();
  let result: ConcurrentRun[] | undefined;
  return {
    finish() {
      if (result !== undefined) return result;
      clearInterval(timer);
      look();
      registration?.remove();
      result = [...seen.values()];
      return result;
    },
  };
}

/** This process's entry, its command line without secrets (others read it), or null when it cannot register. */
function registerMeasuring(dir: string): Registration | null {
  try {
    // World-writable and sticky like /tmp: runs of every user register, none removes another's entry.
    // Only a folder we made ourselves (another user may have made it a moment ago).
    if (fs.mkdirSync(dir, { recursive: true }) !== undefined) fs.chmodSync(dir, 0o1777);
    const command = redactCommandLine(process.argv.slice(2)).slice(0, MAX_COMMAND);
    return register<EntryData>(dir, { startedAt: new Date().toISOString(), command });
  } catch {
    return null; // a folder made meanwhile by another user, or not a folder at all
  }
}

/** Another run's command line as shown in our result: secrets hidden (an older version recorded them), printable, short. */
function shownCommand(data: Partial<EntryData> | undefined): string {
  // Cut after redacting: a cut through a URL could leave a password without the '@' that shows it is one.
  return redactCommandText(printable(data?.command)).slice(0, MAX_COMMAND);
}

function printable(value: unknown): string {
  return typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, ' ') : '';
}
