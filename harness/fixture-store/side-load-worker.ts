/**
 * The worker half of a side load (see side-load.ts): generates its tables and loads, indexes and
 * analyzes each in a SQLite file of its own, reads it back for its checksum share, closes it and
 * reports it. Runs in a worker thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { dirname } from 'node:path';
import { FixtureChecksum } from '../../fixtures/checksum.js';
import { batched, DEFAULT_BATCH_SIZE } from '../../fixtures/batched.js';
import { FixturePlan } from '../../fixtures/fixture-plan.js';
import { linkRows } from '../../fixtures/link-rows.js';
import { PROFILES } from '../../fixtures/profiles.js';
import { COLUMNS, createTables } from '../../src/schema.js';
import { createSqliteAdapter } from '../db/sqlite-adapter.js';
import { finishTable } from './finish-table.js';
import type { SideLoadMessage, SideTask } from './side-load.js';

const port = parentPort;
if (port === null) throw new Error('side-load-worker runs in a worker thread');
const post = (message: SideLoadMessage) => port.postMessage(message);

async function run(task: SideTask): Promise<void> {
  const plan = new FixturePlan(PROFILES[task.profile], task.seed);
  for (const table of task.tables) {
    const file = task.files[table];
    if (file === undefined) throw new Error(`no file for ${table}`);
    const adapter = createSqliteAdapter({ dir: dirname(file), file });
    try {
      await adapter.createNamespace(file);
      const db = adapter.connect(file, { pool: 1 });
      // The fixture's own table definitions, so that the fixture adopts the table with a plain copy.
      await createTables(db, { foreignKeys: true });
      await adapter.beforeBulkLoad(db);
      const batches = batched(() => linkRows(plan, table), DEFAULT_BATCH_SIZE) as Iterable<readonly Record<string, unknown>[]>;
      const rows = await adapter.bulkLoad(db, table, COLUMNS[table], batches, (n) => post({ kind: 'rows', table, rows: n }));
      await finishTable(adapter, db, table);
      const checksum = new FixtureChecksum();
      for await (const values of adapter.scanTable(db, table, COLUMNS[table])) checksum.addValues(table, values);
      // Closed before reporting: the build attaches the file next.
      await adapter.close();
      post({ kind: 'table', table, rows, share: checksum.summary()[table] });
    } finally {
      await adapter.close();
    }
  }
}

run((workerData as { task: SideTask }).task).catch((error: unknown) =>
  post({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
