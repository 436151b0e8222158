/**
 * A build spends its time in this thread's CPU: generating rows, preparing and inserting them,
 * hashing them back for the checksum. A side load runs part of that on the machine's second
 * core: a worker thread, with a connection of its own, generates some tables, loads them into
 * the fixture being built and reads them back for their checksum shares, while this thread does
 * the same with the other tables. Only the adapter knows whether its database takes that
 * (`DialectAdapter.sideLoads`).
 */
import { Worker } from 'node:worker_threads';
import type { TableChecksum } from '../../fixtures/checksum.js';
import type { ProfileName } from '../../fixtures/profiles.js';
import type { LinkTable } from '../../fixtures/link-rows.js';
import type { TableName } from '../../src/schema.js';

export interface SideTask {
  /** The fixture being built, its tables created (a SQLite file). */
  readonly file: string;
  readonly profile: ProfileName;
  readonly seed: number;
  /** Link tables only: the worker generates them without faker (fixtures/link-rows.ts). */
  readonly tables: readonly LinkTable[];
}

export interface SideLoaded {
  /** Rows loaded per table. */
  readonly counts: Partial<Record<TableName, number>>;
  /** Each table's checksum share, read back by the worker once it had loaded the table. */
  readonly shares: Partial<Record<TableName, TableChecksum>>;
}

export type SideLoadMessage =
  | { kind: 'rows'; table: TableName; rows: number }
  | ({ kind: 'loaded' } & SideLoaded)
  | { kind: 'error'; message: string };

export interface SideLoad {
  /** Settles once the worker has loaded and read back its tables, or has failed. */
  readonly loaded: Promise<SideLoaded>;
  /** Ends the worker; safe to call more than once, and after a failure. */
  close(): Promise<void>;
}

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);
const MODULE = new URL('./side-load-worker.ts', import.meta.url).href;

/** Starts a worker loading `task.tables`; `onRows` hears of each batch it stores. */
export function startSideLoad(task: SideTask, onRows?: (table: TableName, rows: number) => void): SideLoad {
  const worker = new Worker(ENTRY, { workerData: { module: MODULE, task } });
  const loaded = new Promise<SideLoaded>((resolve, reject) => {
    worker.on('message', (message: SideLoadMessage) => {
      if (message.kind === 'rows') onRows?.(message.table, message.rows);
      else if (message.kind === 'error') reject(new Error(`side load worker: ${message.message}`));
      else resolve({ counts: message.counts, shares: message.shares });
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`side load worker exited (code ${code}) before it was done`)));
  });
  // A build that fails in this thread may never await `loaded`: keep its rejection handled.
  loaded.catch(() => undefined);
  return {
    loaded,
    async close() {
      await worker.terminate();
    },
  };
}
