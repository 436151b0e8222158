import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import knex from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { checksumRows } from '../fixtures/checksum.js';
import { generateFixture } from '../fixtures/generator.js';
import { PROFILES } from '../fixtures/profiles.js';
import { MARKER_TABLE } from '../harness/db/dialect-adapter.js';
import { FixtureRefusedError } from '../harness/db/fixture-refused-error.js';
import { createPostgresAdapter } from '../harness/db/postgres-adapter.js';
import { createSqliteAdapter } from '../harness/db/sqlite-adapter.js';
import { openFixture } from '../harness/fixture-store/fixture-store.js';
import type { Dialect } from '../harness/core/result.js';
import { createTestDatabase, openTestAdapter, testFolder, TEST_DIALECTS } from './support/databases.js';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('fixture checksums', () => {
  const checksums = new Map<Dialect, string>();

  it.each(TEST_DIALECTS)('are what the generator produced, read back from %s', async (dialect) => {
    const adapter = await openTestAdapter(dialect);
    try {
      const fixture = await openFixture({ adapter, profile: 'small', seed: 7 });
      expect(fixture.reused).toBe(false);
      expect(fixture.info.checksum).toBe(checksumRows(generateFixture(PROFILES.small, 7)));
      checksums.set(dialect, fixture.info.checksum);
    } finally {
      await adapter.close();
    }
  });

  it('are equal on SQLite and Postgres for one profile and seed', () => {
    expect(checksums.size).toBe(2);
    expect(new Set(checksums.values()).size).toBe(1);
  });
});

describe.each(TEST_DIALECTS)('fixture reuse on %s', (dialect) => {
  it('reuses a matching fixture and rebuilds a stale one', async () => {
    const adapter = await openTestAdapter(dialect);
    try {
      const first = await openFixture({ adapter, profile: 'small', seed: 42 });
      const again = await openFixture({ adapter, profile: 'small', seed: 42 });
      expect(again.reused).toBe(true);
      expect(again.info.checksum).toBe(first.info.checksum);
      // A fixture written by another generator version is stale.
      await again.db(MARKER_TABLE).where('key', 'generator_version').update({ value: '0' });
      await first.db.destroy();
      await again.db.destroy();
      const rebuilt = await openFixture({ adapter, profile: 'small', seed: 42 });
      expect(rebuilt.reused).toBe(false);
      expect(rebuilt.info.checksum).toBe(first.info.checksum);
      const otherSeed = await openFixture({ adapter, profile: 'small', seed: 43 });
      expect(otherSeed.info.checksum).not.toBe(first.info.checksum);
    } finally {
      await adapter.close();
    }
  });
});

describe('refusing databases querygate did not create', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('refuses a SQLite file holding tables and no marker, and leaves it byte-identical', async () => {
    const file = join(testFolder('foreign'), 'app.sqlite');
    const raw = new Database(file);
    raw.exec("create table users (id integer primary key, email text); insert into users (email) values ('a@example.com'), ('b@example.com')");
    raw.close();
    const before = sha(file);
    const adapter = createSqliteAdapter({ dir: testFolder('unused'), file });
    cleanups.push(() => adapter.close());
    await expect(openFixture({ adapter, profile: 'small', seed: 42 })).rejects.toThrow(FixtureRefusedError);
    await expect(openFixture({ adapter, profile: 'small', seed: 42, rebuild: true })).rejects.toThrow(/refusing/);
    expect(sha(file)).toBe(before);
  });

  it('refuses a file that is not a SQLite database, and leaves it intact', async () => {
    const file = join(testFolder('notes'), 'notes.txt');
    writeFileSync(file, 'my precious notes\n');
    const adapter = createSqliteAdapter({ dir: testFolder('unused'), file });
    cleanups.push(() => adapter.close());
    await expect(openFixture({ adapter, profile: 'small', seed: 42 })).rejects.toThrow(/not a SQLite database/);
    expect(readFileSync(file, 'utf8')).toBe('my precious notes\n');
  });

  it('takes a new empty SQLite file', async () => {
    const file = join(testFolder('empty'), 'new.sqlite');
    writeFileSync(file, '');
    const adapter = createSqliteAdapter({ dir: testFolder('unused'), file });
    try {
      const fixture = await openFixture({ adapter, profile: 'small', seed: 42 });
      expect(fixture.info.rowCounts.artifacts).toBe(1000);
    } finally {
      await adapter.close();
    }
  });

  it('refuses a Postgres database holding tables and no marker, with the data intact and the password hidden', async () => {
    const url = await createTestDatabase('qg_foreign');
    const owner = knex({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 } });
    cleanups.push(() => owner.destroy());
    await owner.raw('create table public.invoices (id serial primary key, total numeric not null)');
    await owner('invoices').insert([{ total: 10 }, { total: 20 }]);
    const password = new URL(url).password;
    const error = await createPostgresAdapter({ url }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FixtureRefusedError);
    expect(String((error as Error).message)).toMatch(/public\.invoices/);
    // The server's password (random per embedded cluster), looked for where a URL would hold it.
    if (password !== '') expect(String((error as Error).message)).not.toContain(`:${password}@`);
    expect(String((error as Error).message)).toContain(':***@');
    expect((await owner('invoices').count({ n: '*' }).first())?.n).toBe('2');
    const schemas = await owner('information_schema.schemata').where('schema_name', 'like', 'q%').select('schema_name');
    expect(schemas).toEqual([]);
  });

  it('refuses a schema of a claimed Postgres database that holds foreign tables', async () => {
    const url = await createTestDatabase('qg_claimed');
    const adapter = await createPostgresAdapter({ url });
    cleanups.push(() => adapter.close());
    const owner = knex({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 } });
    cleanups.push(() => owner.destroy());
    const schema = adapter.namespaceFor('small', 42);
    await owner.raw(`create schema ${schema}`);
    await owner.raw(`create table ${schema}.notes (body text)`);
    await owner.raw(`insert into ${schema}.notes values ('keep me')`);
    await expect(openFixture({ adapter, profile: 'small', seed: 42 })).rejects.toThrow(FixtureRefusedError);
    expect(await owner.withSchema(schema).from('notes').select('body')).toEqual([{ body: 'keep me' }]);
  });
});
