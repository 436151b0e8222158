import { describe, expect, it } from 'vitest';
import { checksumRows } from '../fixtures/checksum.js';
import { generateFixture } from '../fixtures/generator.js';
import { PROFILES } from '../fixtures/profiles.js';
import { describeSchema } from '../harness/db/schema-identity.js';
import { openFixture } from '../harness/fixture-store/fixture-store.js';
import { openTestAdapter, TEST_DIALECTS } from './support/databases.js';
import { srcWith, TAGS_INDEX_LINE } from './support/src-copy.js';

// `run --against REF` with a schema that differs: each side's fixture is built by that side's own
// schema code, from the same generated rows, in a namespace named and marked with the schema.

const EXTRA_INDEX = 'tags_id_name_idx';

describe.each(TEST_DIALECTS)('a fixture of another src/ tree\'s schema, on %s', (dialect) => {
  it('holds the generator\'s rows under that schema, beside the default fixture, and is reused', async () => {
    const schema = await describeSchema(srcWith('schema.ts', (text) => text.replace(TAGS_INDEX_LINE, `${TAGS_INDEX_LINE}\n  ['tags', (t) => t.index(['id', 'name'], '${EXTRA_INDEX}')],`)));
    const adapter = await openTestAdapter(dialect);
    try {
      const shared = await openFixture({ adapter, profile: 'small', seed: 3 });
      const own = await openFixture({ adapter, profile: 'small', seed: 3, schema });
      expect(own.namespace).not.toBe(shared.namespace);
      expect(own.namespace).toContain(schema.identity);
      expect(own.info.checksum).toBe(checksumRows(generateFixture(PROFILES.small, 3)));
      expect(own.info).toMatchObject({ schema: schema.identity, omittedColumns: [], rowCounts: shared.info.rowCounts });
      expect(await indexNames(dialect, own.db, own.namespace)).toContain(EXTRA_INDEX);
      expect(await indexNames(dialect, shared.db, shared.namespace)).not.toContain(EXTRA_INDEX);
      // Indexes, unique constraints and foreign keys were dropped for the load and recreated
      // after it: the fixture has exactly the objects of the schema code run on empty tables.
      const plain = `${own.namespace}_plain`.replace(/\.sqlite_plain$/, '-plain.sqlite');
      await adapter.createNamespace(plain);
      const reference = adapter.connect(plain);
      await schema.module.createSchema(reference);
      await schema.module.finishSchema(reference);
      expect(await schemaObjects(dialect, own.db, own.namespace)).toEqual(await schemaObjects(dialect, reference, plain));
      // The schema's own triggers: finishSchema ran (counts set, kept on writes).
      const counted = (await own.db('collections').sum({ n: 'artifact_count' }).first()) as { n: number | string };
      expect(Number(counted.n)).toBe(shared.info.rowCounts.collection_artifacts);
      const again = await openFixture({ adapter, profile: 'small', seed: 3, schema });
      expect(again.reused).toBe(true);
    } finally {
      await adapter.close();
    }
  });

  it('leaves out a column the schema has no place for, and says which', async () => {
    // artifacts' description only (collections has one too, declared later).
    const schema = await describeSchema(srcWith('schema.ts', (text) => text.replace("    t.text('description').nullable();\n", '')));
    const adapter = await openTestAdapter(dialect);
    try {
      const own = await openFixture({ adapter, profile: 'small', seed: 3, schema });
      expect(own.info.omittedColumns).toEqual(['artifacts.description']);
      expect(own.info.rowCounts.artifacts).toBe(PROFILES.small.artifacts);
      expect(own.info.checksum).not.toBe(checksumRows(generateFixture(PROFILES.small, 3)));
      expect(Object.keys(await own.db('artifacts').columnInfo())).not.toContain('description');
    } finally {
      await adapter.close();
    }
  });

  it('fails, leaving nothing behind, when the schema has a required column the generator does not fill', async () => {
    const schema = await describeSchema(srcWith('schema.ts', (text) => text.replace("    t.string('source', 500).notNullable();\n", "    t.string('source', 500).notNullable();\n    t.string('owner', 64).notNullable();\n")));
    const adapter = await openTestAdapter(dialect);
    try {
      await expect(openFixture({ adapter, profile: 'small', seed: 3, schema })).rejects.toThrow(/owner/);
      const namespace = adapter.namespaceFor('small', 3, `schema_${schema.identity}`);
      expect((await adapter.inspect(namespace)).kind).toBe('absent');
      expect((await adapter.inspect(adapter.scratchNamespace(namespace))).kind).toBe('absent');
    } finally {
      await adapter.close();
    }
  });
});

/** The fixture's own tables' indexes, constraints and triggers (the harness's marker and write counter left out), as sorted lines. */
async function schemaObjects(dialect: string, db: import('knex').Knex, namespace: string): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows = (await db.raw("select type, name, tbl_name, sql from sqlite_master where name not like 'querygate%' and tbl_name not like 'querygate%' and name not like 'sqlite_stat%'")) as Record<string, unknown>[];
    return rows.map((r) => `${String(r.type)} ${String(r.name)} ${String(r.tbl_name)} ${String(r.sql)}`).sort();
  }
  const indexes = (await db.raw("select indexname, replace(indexdef, ?, 'NS') as def from pg_indexes where schemaname = ? and tablename not like 'querygate%'", [namespace, namespace])) as { rows: { indexname: string; def: string }[] };
  const constraints = (await db.raw('select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def from pg_constraint where connamespace = ?::regnamespace', [namespace])) as { rows: { tbl: string; conname: string; def: string }[] };
  const triggers = (await db.raw("select tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid where c.relnamespace = ?::regnamespace and not tgisinternal and tgname not like 'querygate%'", [namespace])) as { rows: { tgname: string }[] };
  return [
    ...indexes.rows.map((r) => `index ${r.indexname} ${r.def}`),
    ...constraints.rows.filter((r) => !r.tbl.startsWith('querygate')).map((r) => `constraint ${r.tbl} ${r.conname} ${r.def}`),
    ...triggers.rows.map((r) => `trigger ${r.tgname}`),
  ].sort();
}

async function indexNames(dialect: string, db: import('knex').Knex, namespace: string): Promise<string[]> {
  if (dialect === 'sqlite') return ((await db.raw("select name from sqlite_master where type = 'index'")) as { name: string }[]).map((r) => r.name);
  const result = (await db.raw('select indexname from pg_indexes where schemaname = ?', [namespace])) as { rows: { indexname: string }[] };
  return result.rows.map((r) => r.indexname);
}
