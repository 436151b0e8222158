import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { inject } from 'vitest';
import type { ProfileName } from '../../fixtures/profiles.js';
import type { DialectAdapter } from '../../harness/db/dialect-adapter.js';
import { createPostgresAdapter } from '../../harness/db/postgres-adapter.js';
import { createSqliteAdapter } from '../../harness/db/sqlite-adapter.js';
import { openFixture, type OpenedFixture } from '../../harness/fixture-store/fixture-store.js';
import type { Dialect } from '../../harness/core/result.js';

/** Every test of the endpoint runs once per dialect, from one file (kysely's habit). */
export const TEST_DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

let databaseCounter = 0;

/**
 * A fresh, empty Postgres database of this test run's own (`createdb`), so tests that claim,
 * refuse or write never meet each other's data. Returns its URL. Its name holds the run's token:
 * the global teardown drops it (test/support/global-setup.ts).
 */
export async function createTestDatabase(prefix = 'qg_test'): Promise<string> {
  const serverUrl = inject('pgUrl');
  const name = `${prefix}_${inject('runToken')}_${process.pid}_${databaseCounter++}`;
  const admin = knex({ client: 'pg', connection: { connectionString: serverUrl }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`create database "${name}" template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A folder of this test file's own inside the run's test folder. */
export function testFolder(name: string): string {
  const dir = join(inject('testDir'), `${name}-${process.pid}-${databaseCounter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The adapter of a dialect on this run's databases: SQLite in the test folder, Postgres in a fresh database. */
export async function openTestAdapter(dialect: Dialect): Promise<DialectAdapter> {
  if (dialect === 'sqlite') return createSqliteAdapter({ dir: testFolder('sqlite') });
  return createPostgresAdapter({ url: await createTestDatabase() });
}

export interface TestFixture extends OpenedFixture {
  adapter: DialectAdapter;
  close(): Promise<void>;
}

/** Seeds (or reuses) a fixture for tests; call close() in afterAll. */
export async function openTestFixture(dialect: Dialect, profile: ProfileName = 'small', seed = 42): Promise<TestFixture> {
  const adapter = await openTestAdapter(dialect);
  const fixture = await openFixture({ adapter, profile, seed });
  return { ...fixture, adapter, close: () => adapter.close() };
}

export type { Knex };
