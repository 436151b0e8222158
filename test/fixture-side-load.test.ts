import { join } from 'node:path';
import Database from 'better-sqlite3';
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumRows } from '../fixtures/checksum.js';
import { generateFixture } from '../fixtures/generator.js';
import { PROFILES } from '../fixtures/profiles.js';
import { MARKER_TABLE, WRITE_COUNTER_TABLE } from '../harness/db/dialect-adapter.js';
import { createSqliteAdapter } from '../harness/db/sqlite-adapter.js';
import { startSideLoad } from '../harness/fixture-build/side-load.js';
import { openFixture } from '../harness/fixture-store.js';
import { COLUMNS, createSchema, createTables, finishSchema } from '../src/schema.js';
import { testFolder } from './support/databases.js';

// The SQLite build splits its tables between this thread and a worker thread that writes to
// the same file through its own connection (harness/fixture-build/side-load.ts). What it builds
// must be what a plain createSchema + load would give.

interface SchemaObject {
  type: string;
  name: string;
  sql: string | null;
}

function schemaOf(file: string): SchemaObject[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(`select type, name, sql from sqlite_master where name not like 'sqlite_%' and name not like 'querygate_%' order by type, name`)
      .all() as SchemaObject[];
  } finally {
    db.close();
  }
}

describe('a SQLite fixture built with a side load', () => {
  const dir = testFolder('side-load');
  const adapter = createSqliteAdapter({ dir });
  let file = '';

  beforeAll(async () => {
    const fixture = await openFixture({ adapter, profile: 'small', seed: 42 });
    file = fixture.namespace;
    expect(fixture.info.checksum).toBe(checksumRows(generateFixture(PROFILES.small, 42)));
    await fixture.db.destroy();
  });
  afterAll(() => adapter.close());

  it('has the schema of createSchema and finishSchema, object for object', async () => {
    const plain = join(dir, 'plain.sqlite');
    const db = knex({ client: 'better-sqlite3', connection: { filename: plain }, useNullAsDefault: true });
    try {
      await createSchema(db);
      await finishSchema(db);
    } finally {
      await db.destroy();
    }
    const built = schemaOf(file);
    expect(built.filter((o) => o.type === 'index').length).toBeGreaterThanOrEqual(7);
    expect(built).toEqual(schemaOf(plain));
  });

  it('is left in rollback-journal mode, with every foreign key satisfied and every data table analyzed', () => {
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const analyzed = new Set((db.prepare('select tbl from sqlite_stat1').pluck().all() as string[]));
      for (const table of Object.keys(COLUMNS)) expect(analyzed.has(table), table).toBe(true);
      expect(analyzed.has(MARKER_TABLE)).toBe(true);
      expect(analyzed.has(WRITE_COUNTER_TABLE)).toBe(true);
    } finally {
      db.close();
    }
  });
});

describe('the side load worker', () => {
  it('reports a failure as a rejection that names it, and closes cleanly after it', async () => {
    const file = join(testFolder('side-load-fail'), 'no-tables.sqlite');
    new Database(file).close();
    const side = startSideLoad({ file, profile: 'small', seed: 42, tables: ['artifact_tags'] });
    await expect(side.loaded).rejects.toThrow(/side load worker: .*no such table: (main\.)?artifact_tags/s);
    await side.close();
    await side.close();
  });
});

describe('the SQLite adapter', () => {
  it('scans every row once across gaps in the rowids', async () => {
    const dir = testFolder('scan-gaps');
    const adapter = createSqliteAdapter({ dir });
    const file = adapter.namespaceFor('gaps', 1);
    await adapter.createNamespace(file);
    const db = adapter.connect(file, { pool: 1 });
    try {
      await createTables(db);
      const tags = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 1, name: `tag-${i + 1}` }));
      for (let k = 0; k < tags.length; k += 500) await db('tags').insert(tags.slice(k, k + 500));
      // Gaps wider than one scan range, and a missing first and last row.
      await db('tags').whereBetween('id', [10_001, 21_000]).orWhere('id', 1).orWhere('id', 25_000).delete();
      const seen: unknown[][] = [];
      for await (const batch of adapter.scanTable(db, 'tags', ['name', 'id'])) seen.push(...batch);
      const expected = tags.filter((t) => !(t.id >= 10_001 && t.id <= 21_000) && t.id !== 1 && t.id !== 25_000);
      expect(seen.length).toBe(expected.length);
      expect(seen.map((r) => r[1]).sort((a, b) => Number(a) - Number(b))).toEqual(expected.map((t) => t.id));
      expect(seen.find((r) => r[1] === 2)).toEqual(['tag-2', 2]);
    } finally {
      await db.destroy();
      await adapter.close();
    }
  });

  it('refuses a bulk load that broke a foreign key, since it checks them once after the load', async () => {
    const dir = testFolder('fk-check');
    const adapter = createSqliteAdapter({ dir });
    const file = adapter.namespaceFor('fk', 1);
    await adapter.createNamespace(file);
    const db = adapter.connect(file, { pool: 1 });
    try {
      await createTables(db);
      await adapter.beforeBulkLoad(db);
      const link = [{ collection_id: 'no-such-collection', artifact_id: 'skill:x', added_at: '2024-01-01T00:00:00.000Z' }];
      await adapter.bulkLoad(db, 'collection_artifacts', COLUMNS.collection_artifacts, [link]);
      await expect(adapter.afterBulkLoad(db)).rejects.toThrow(/broke 1 foreign key \(first: collection_artifacts -> collections\)/);
    } finally {
      await db.destroy();
      await adapter.close();
    }
  });
});
