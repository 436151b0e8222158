/**
 * The worker half of a side load (see side-load.ts): generates its tables, bulk-loads them into
 * the fixture being built through a connection of its own, reads each back for its checksum
 * share, and reports. Runs in a worker thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { dirname } from 'node:path';
import { FixtureChecksum, type TableChecksum } from '../../fixtures/checksum.js';
import { batched, DEFAULT_BATCH_SIZE } from '../../fixtures/batched.js';
import { FixturePlan } from '../../fixtures/fixture-plan.js';
import { linkRows } from '../../fixtures/link-rows.js';
import { PROFILES } from '../../fixtures/profiles.js';
import { COLUMNS, type TableName } from '../../src/schema.js';
import { createSqliteAdapter } from '../db/sqlite-adapter.js';
import { finishTable } from './finish-table.js';
import type { SideLoadMessage, SideTask } from './side-load.js';

const port = parentPort;
if (port === null) throw new Error('side-load-worker runs in a worker thread');
const post = (message: SideLoadMessage) => port.postMessage(message);

async function run(task: SideTask): Promise<void> {
  const adapter = createSqliteAdapter({ dir: dirname(task.file), file: task.file });
  try {
    const db = adapter.connect(task.file, { pool: 1 });
    await adapter.beforeBulkLoad(db);
    const plan = new FixturePlan(PROFILES[task.profile], task.seed);
    const counts: Partial<Record<TableName, number>> = {};
    const checksum = new FixtureChecksum();
    for (const table of task.tables) {
      const batches = batched(() => linkRows(plan, table), DEFAULT_BATCH_SIZE) as Iterable<readonly Record<string, unknown>[]>;
      counts[table] = await adapter.bulkLoad(db, table, COLUMNS[table], batches, (rows) => post({ kind: 'rows', table, rows }));
      await finishTable(adapter, db, table);
      for await (const rows of adapter.scanTable(db, table, COLUMNS[table])) checksum.addValues(table, rows);
    }
    const all = checksum.summary();
    const shares: Partial<Record<TableName, TableChecksum>> = {};
    for (const table of task.tables) shares[table] = all[table];
    // Closed before reporting: the build's last steps (leaving WAL mode) need the file to itself.
    await adapter.close();
    post({ kind: 'loaded', counts, shares });
  } finally {
    await adapter.close();
  }
}

run((workerData as { task: SideTask }).task).catch((error: unknown) =>
  post({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
