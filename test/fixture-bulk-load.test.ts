import { describe, expect, it } from 'vitest';
import { FixtureChecksum } from '../fixtures/checksum.js';
import { openFixture } from '../harness/fixture-store/fixture-store.js';
import { COLUMNS, createTables } from '../src/schema.js';
import { openTestAdapter, TEST_DIALECTS } from './support/databases.js';

// Characters that COPY's text format and multi-row inserts must carry verbatim.
const HOSTILE = ['tab\there', 'new\nline', 'carriage\rreturn', 'back\\slash', '\\N', 'quote\'s "double"', 'ünïcødé ✓', ''];

describe.each(TEST_DIALECTS)('bulk load on %s', (dialect) => {
  it('stores every value verbatim, nulls as nulls, across batches of any size', async () => {
    const adapter = await openTestAdapter(dialect);
    const namespace = adapter.namespaceFor('bulk', 1);
    await adapter.createNamespace(namespace);
    const db = adapter.connect(namespace, { pool: 1 });
    try {
      await createTables(db, { foreignKeys: !adapter.foreignKeysAfterLoad });
      const rows = Array.from({ length: 523 }, (_, i) => ({
        id: `c${String(i).padStart(4, '0')}`,
        name: `${HOSTILE[i % HOSTILE.length]}${i}`,
        description: i % 3 === 0 ? null : (HOSTILE[i % HOSTILE.length] ?? ''),
        created_at: '2024-01-01T00:00:00.000Z',
        updated_at: '2024-01-02T00:00:00.000Z',
      }));
      const batches = [rows.slice(0, 1), rows.slice(1, 201), rows.slice(201, 202), rows.slice(202)];
      let reported = 0;
      const loaded = await adapter.bulkLoad(db, 'collections', COLUMNS.collections, batches, (n) => (reported += n));
      expect(loaded).toBe(rows.length);
      expect(reported).toBe(rows.length);
      const stored = (await db('collections').select(COLUMNS.collections).orderBy('id')) as typeof rows;
      expect(stored).toEqual(rows);

      const scanned = new FixtureChecksum();
      for await (const batch of adapter.scanTable(db, 'collections', COLUMNS.collections)) scanned.addValues('collections', batch);
      const expected = new FixtureChecksum();
      expected.add('collections', rows);
      expect(scanned.digest()).toBe(expected.digest());
    } finally {
      await db.destroy();
      await adapter.dropNamespace(namespace);
      await adapter.close();
    }
  });

  it('builds a fixture whose secondary indexes and foreign keys exist after the load', async () => {
    const adapter = await openTestAdapter(dialect);
    try {
      const fixture = await openFixture({ adapter, profile: 'small', seed: 42 });
      const db = fixture.db;
      // A duplicate (type, name) is refused by the unique index created after the load.
      const [first] = (await db('artifacts').select('*').limit(1)) as Record<string, unknown>[];
      await expect(db('artifacts').insert({ ...first, id: 'skill:duplicate' })).rejects.toThrow(/unique|UNIQUE/);
      // Deleting an artifact cascades to its tags through the foreign key.
      const tagged = (await db('artifact_tags').first('artifact_id')) as { artifact_id: string };
      if (dialect === 'sqlite') await db.raw('pragma foreign_keys = on');
      await db('artifacts').where('id', tagged.artifact_id).delete();
      expect(await db('artifact_tags').where('artifact_id', tagged.artifact_id).count({ n: '*' })).toEqual([{ n: dialect === 'sqlite' ? 0 : '0' }]);
      await db.destroy();
    } finally {
      await adapter.close();
    }
  });
});
