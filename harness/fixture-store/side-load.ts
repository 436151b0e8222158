/**
 * A build spends its time in this thread's CPU: generating rows, preparing and inserting them,
 * indexing, hashing them back for the checksum. A side load runs part of that on the machine's
 * second core: a worker thread generates some tables and loads, indexes and analyzes each in a
 * file of its own, reading it back for its checksum share, while this thread does the same with
 * the other tables; the fixture adopts each of the worker's tables as soon as both are ready
 * (`DialectAdapter.sideLoad`).
 */
import { Worker } from 'node:worker_threads';
import type { TableChecksum } from '../../fixtures/checksum.js';
import type { LinkTable } from '../../fixtures/link-rows.js';
import type { ProfileName } from '../../fixtures/profiles.js';
import type { TableName } from '../../src/schema.js';

export interface SideTask {
  /** Each table's own SQLite file, created by the worker (must not exist). */
  readonly files: Readonly<Partial<Record<LinkTable, string>>>;
  readonly profile: ProfileName;
  readonly seed: number;
  /** Link tables only, in the order the worker loads them: it generates them without faker (fixtures/link-rows.ts). */
  readonly tables: readonly LinkTable[];
}

export interface SideTable {
  readonly table: LinkTable;
  /** Rows loaded. */
  readonly rows: number;
  /** The table's checksum share, read back from its file. */
  readonly share: TableChecksum;
}

export type SideLoadMessage =
  | { kind: 'rows'; table: TableName; rows: number }
  | ({ kind: 'table' } & SideTable)
  | { kind: 'error'; message: string };

export interface SideLoad {
  /** Settles once the worker has loaded, indexed, analyzed, read back and closed `table`'s file, or has failed. */
  ready(table: LinkTable): Promise<SideTable>;
  /** Ends the worker; safe to call more than once, and after a failure. */
  close(): Promise<void>;
}

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);
const MODULE = new URL('./side-load-worker.ts', import.meta.url).href;

/** Starts a worker loading `task.tables`; `onRows` hears of each batch it stores. */
export function startSideLoad(task: SideTask, onRows?: (table: TableName, rows: number) => void): SideLoad {
  const worker = new Worker(ENTRY, { workerData: { module: MODULE, task } });
  const settle = new Map<LinkTable, { resolve: (t: SideTable) => void; reject: (e: Error) => void }>();
  const ready = new Map<LinkTable, Promise<SideTable>>();
  for (const table of task.tables) {
    const promise = new Promise<SideTable>((resolve, reject) => settle.set(table, { resolve, reject }));
    // A build that fails in this thread may never await a table: keep its rejection handled.
    promise.catch(() => undefined);
    ready.set(table, promise);
  }
  const failAll = (error: Error) => {
    for (const { reject } of settle.values()) reject(error);
  };
  worker.on('message', (message: SideLoadMessage) => {
    if (message.kind === 'rows') onRows?.(message.table, message.rows);
    else if (message.kind === 'error') failAll(new Error(`side load worker: ${message.message}`));
    else settle.get(message.table)?.resolve({ table: message.table, rows: message.rows, share: message.share });
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`side load worker exited (code ${code}) before it was done`)));
  return {
    ready(table) {
      return ready.get(table) ?? Promise.reject(new Error(`side load: ${table} is not one of its tables`));
    },
    async close() {
      await worker.terminate();
    },
  };
}
