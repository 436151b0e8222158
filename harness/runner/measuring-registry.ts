import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listLive, register } from '../system/process-registry.js';
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

export function startMeasuring(dir: string = measuringRegistryDir()): MeasuringSession {
  // World-writable and sticky like /tmp: runs of every user register, none removes another's entry.
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o1777);
  }
  const registration = register<EntryData>(dir, { startedAt: new Date().toISOString(), command: process.argv.slice(2).join(' ').slice(0, 200) });
  const seen = new Map<string, ConcurrentRun>();
  const look = (): void => {
    const now = new Date().toISOString();
    for (const entry of listLive<EntryData>(dir)) {
      if (entry.pid === process.pid) continue;
      const key = `${entry.pid}-${entry.startTime}`;
      const known = seen.get(key);
      if (known !== undefined) known.until = now;
      else seen.set(key, { pid: entry.pid, command: entry.data.command, startedAt: entry.data.startedAt, from: now, until: now });
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
      registration.remove();
      result = [...seen.values()];
      return result;
    },
  };
}
