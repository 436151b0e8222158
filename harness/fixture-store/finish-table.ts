import type { Knex } from 'knex';
import { createIndexes, type TableName } from '../../src/schema.js';
import type { DialectAdapter } from '../db/dialect-adapter.js';

/**
 * Indexes (and foreign keys, where added after the load) and statistics of a table just loaded:
 * each table's own, right after its load, so that a side load's worker does its tables' share.
 */
export async function finishTable(adapter: DialectAdapter, db: Knex, table: TableName): Promise<void> {
  await createIndexes(db, { foreignKeys: adapter.foreignKeysAfterLoad, tables: [table] });
  await adapter.analyzeTable(db, table);
}
