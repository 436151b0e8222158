import { join } from 'node:path';
import Database from 'better-sqlite3';
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumRows } from '../fixtures/checksum.js';
import { generateFixture } from '../fixtures/generator.js';
import { PROFILES } from '../fixtures/profiles.js';
import { MARKER_TABLE, WRITE_COUNTER_TABLE } from '../harness/db/dialect-adapter.js';
import { createSqliteAdapter } from '../harness/db/sqlite-adapter.js';
import { startSideLoad } from '../harness/fixture-store/side-load.js';
import { openFixture } from '../harness/fixture-store/fixture-store.js';
import { COLUMNS, createSchema, createTables, finishSchema } from '../src/schema.js';
import { testFolder } from './support/databases.js';

// The SQLite build splits its tables between this thread and a worker thread that writes to
// the same file through its own connection (harness/fixture-store/side-load.ts). What it builds
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
  it('reports a failure as a rejection that names it, for every table not yet ready, and closes cleanly after it', async () => {
    // A file that exists already: the worker refuses to create it.
    const file = join(testFolder('side-load-fail'), 'taken.sqlite');
    new Database(file).close();
    const side = startSideLoad({ files: { artifact_tags: file, collection_artifacts: `${file}.other` }, profile: 'small', seed: 42, tables: ['artifact_tags', 'collection_artifacts'] });
    await expect(side.ready('artifact_tags')).rejects.toThrow(/side load worker: .*refusing to create .*taken\.sqlite: it exists/s);
    await expect(side.ready('collection_artifacts')).rejects.toThrow(/side load worker/);
    await side.close();
    await side.close();
  });

  it('hands over each table loaded, read back and closed, before it finishes the next', async () => {
    const dir = testFolder('side-load-tables');
    const files = { collection_artifacts: join(dir, 'ca.sqlite'), artifact_tags: join(dir, 'at.sqlite') };
    const side = startSideLoad({ files, profile: 'small', seed: 42, tables: ['collection_artifacts', 'artifact_tags'] });
    try {
      const expected = generateFixture(PROFILES.small, 42).counts();
      for (const table of ['collection_artifacts', 'artifact_tags'] as const) {
        const ready = await side.ready(table);
        expect(ready.rows).toBe(expected[table]);
        expect(ready.share.rows).toBe(expected[table]);
        // Closed: the file can be opened, and holds the table with its index.
        const db = new Database(files[table], { readonly: true });
        expect(db.prepare(`select count(*) from ${table}`).pluck().get()).toBe(expected[table]);
        expect((db.prepare(`select count(*) from sqlite_master where type = 'index' and tbl_name = ?`).pluck().get(table) as number) >= 2).toBe(true);
        db.close();
      }
    } finally {
      await side.close();
    }
  });
});

describe('the SQLite adapter', () => {
  it('scans every remaining row once, as arrays in the order of the columns asked for', async () => {
    const dir = testFolder('scan-gaps');
    const adapter = createSqliteAdapter({ dir });
    const file = adapter.namespaceFor('gaps', 1);
    await adapter.createNamespace(file);
    const db = adapter.connect(file, { pool: 1 });
    try {
      await createTables(db);
      const tags = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 1, name: `tag-${i + 1}` }));
      for (let k = 0; k < tags.length; k += 500) await db('tags').insert(tags.slice(k, k + 500));
      // Rows deleted in a block and at both ends.
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
