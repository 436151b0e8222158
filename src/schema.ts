import type { Knex } from 'knex';
import { dialectOf } from './dialect/sql-dialect.js';

/** Artifact types the service knows; ids are `${type}:${name}`. */
export const ARTIFACT_TYPES = ['agent', 'command', 'hook', 'mcp', 'skill'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

/** Tables in creation order (parents first); dropping goes the other way. */
export const TABLES = [
  'artifacts',
  'collections',
  'collection_artifacts',
  'groups',
  'group_artifacts',
  'tags',
  'artifact_tags',
] as const;
export type TableName = (typeof TABLES)[number];

/**
 * Creates the service's schema. One piece of code for both dialects: knex's schema builder
 * hides the differences that matter here (types, composite keys, indexes).
 * Timestamps are ISO-8601 UTC strings, as the original service stored them on SQLite.
 */
export async function createSchema(db: Knex): Promise<void> {
  await createTables(db);
  await createIndexes(db);
}

/** Foreign keys: [table, column, referenced table (its `id`)], all ON DELETE CASCADE. */
const FOREIGN_KEYS = [
  ['collection_artifacts', 'collection_id', 'collections'],
  ['groups', 'collection_id', 'collections'],
  ['group_artifacts', 'group_id', 'groups'],
  ['artifact_tags', 'artifact_id', 'artifacts'],
  ['artifact_tags', 'tag_id', 'tags'],
] as const;

export interface CreateTablesOptions {
  /**
   * Declare the foreign keys with the tables; false leaves them to `createIndexes`, so that a
   * bulk load does not check them row by row (only where ALTER TABLE can add them: Postgres).
   * @default true
   */
  readonly foreignKeys?: boolean;
}

/**
 * The tables with their primary keys, without secondary indexes: a bulk load into them, then
 * `createIndexes`, builds each index once by sorting instead of row by row.
 */
export async function createTables(db: Knex, options: CreateTablesOptions = {}): Promise<void> {
  const ordered = dialectOf(db).orderedText;
  const inline = options.foreignKeys ?? true;
  const references = (t: Knex.CreateTableBuilder, table: string) => {
    if (!inline) return;
    for (const [from, column, to] of FOREIGN_KEYS) if (from === table) t.foreign(column).references('id').inTable(to).onDelete('CASCADE');
  };
  await db.schema.createTable('artifacts', (t) => {
    t.string('id', 300).primary();
    t.specificType('name', ordered(200)).notNullable();
    t.specificType('type', ordered(32)).notNullable();
    t.string('source', 500).notNullable();
    t.string('version', 64).nullable();
    t.text('description').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });
  await db.schema.createTable('collections', (t) => {
    t.string('id', 64).primary();
    t.specificType('name', ordered(200)).notNullable();
    t.text('description').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    // Derived: the number of the collection's rows in collection_artifacts, kept by triggers
    // (finishSchema). Not in COLUMNS: fixtures never load it and checksums never read it.
    t.integer('artifact_count').notNullable().defaultTo(0);
    t.check('?? >= 0', ['artifact_count'], 'collections_artifact_count_nonnegative');
  });
  // No foreign key on artifact_id, as in the original service.
  await db.schema.createTable('collection_artifacts', (t) => {
    t.string('collection_id', 64).notNullable();
    t.string('artifact_id', 300).notNullable();
    t.string('added_at', 32).notNullable();
    t.primary(['collection_id', 'artifact_id'], 'collection_artifacts_pk');
    references(t, 'collection_artifacts');
  });
  await db.schema.createTable('groups', (t) => {
    t.string('id', 64).primary();
    t.string('collection_id', 64).notNullable();
    t.string('name', 200).notNullable();
    t.integer('position').notNullable();
    references(t, 'groups');
  });
  await db.schema.createTable('group_artifacts', (t) => {
    t.string('group_id', 64).notNullable();
    t.string('artifact_id', 300).notNullable();
    t.integer('position').notNullable();
    t.primary(['group_id', 'artifact_id'], 'group_artifacts_pk');
    references(t, 'group_artifacts');
  });
  await db.schema.createTable('tags', (t) => {
    t.integer('id').primary();
    t.specificType('name', ordered(64)).notNullable();
  });
  await db.schema.createTable('artifact_tags', (t) => {
    t.string('artifact_id', 300).notNullable();
    t.integer('tag_id').notNullable();
    t.primary(['artifact_id', 'tag_id'], 'artifact_tags_pk');
    references(t, 'artifact_tags');
  });
}

/**
 * The secondary indexes (unique ones included) of the tables of `createTables`, and the foreign
 * keys when `createTables` left them out; of `tables` only when given (a build indexes each table
 * right after loading it; a foreign key needs its referenced table loaded).
 */
export async function createIndexes(
  db: Knex,
  options: { readonly foreignKeys?: boolean; readonly tables?: readonly TableName[] } = {},
): Promise<void> {
  const wanted = (table: TableName) => options.tables === undefined || options.tables.includes(table);
  if (options.foreignKeys === true) {
    for (const [from, column, to] of FOREIGN_KEYS) {
      if (wanted(from)) await db.schema.alterTable(from, (t) => t.foreign(column).references('id').inTable(to).onDelete('CASCADE'));
    }
  }
  for (const [table, index] of INDEXES) if (wanted(table)) await db.schema.alterTable(table, index);
}

const INDEXES: readonly (readonly [TableName, (t: Knex.AlterTableBuilder) => void])[] = [
  ['artifacts', (t) => t.unique(['type', 'name'], { indexName: 'artifacts_type_name_uq' })],
  ['collections', (t) => t.unique(['name'], { indexName: 'collections_name_uq' })],
  ['collection_artifacts', (t) => t.index(['artifact_id'], 'collection_artifacts_artifact_id_idx')],
  ['groups', (t) => t.index(['collection_id'], 'groups_collection_id_idx')],
  ['group_artifacts', (t) => t.index(['artifact_id'], 'group_artifacts_artifact_id_idx')],
  ['tags', (t) => t.unique(['name'], { indexName: 'tags_name_uq' })],
  ['artifact_tags', (t) => t.index(['tag_id'], 'artifact_tags_tag_id_idx')],
];

/**
 * Completes the schema once the tables hold their initial rows: sets every collection's
 * `artifact_count` with one GROUP BY, then creates the triggers that keep it exact on every
 * later write. Loading first and counting once is much faster than firing a trigger per loaded
 * row. Expects the counts at their default 0 (freshly created tables); one transaction, so no
 * write can fall between the count and the triggers.
 */
export async function finishSchema(db: Knex): Promise<void> {
  const { countTriggers } = dialectOf(db);
  await db.transaction(async (trx) => {
    await trx.raw(
      `update collections set artifact_count = counted.n
       from (select collection_id, count(*) as n from collection_artifacts group by collection_id) as counted
       where counted.collection_id = collections.id`,
    );
    for (const ddl of countTriggers) await trx.raw(ddl);
  });
}

/** Row shapes as generated and loaded; `collections.artifact_count` is derived (finishSchema). */
export interface ArtifactRow {
  id: string;
  name: string;
  type: ArtifactType;
  source: string;
  version: string | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}
export interface CollectionRow {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}
export interface CollectionArtifactRow {
  collection_id: string;
  artifact_id: string;
  added_at: string;
}
export interface GroupRow {
  id: string;
  collection_id: string;
  name: string;
  position: number;
}
export interface GroupArtifactRow {
  group_id: string;
  artifact_id: string;
  position: number;
}
export interface TagRow {
  id: number;
  name: string;
}
export interface ArtifactTagRow {
  artifact_id: string;
  tag_id: number;
}

/** The row type of each table, for code that walks all tables generically (seeding, checksums). */
export interface TableRows {
  artifacts: ArtifactRow;
  collections: CollectionRow;
  collection_artifacts: CollectionArtifactRow;
  groups: GroupRow;
  group_artifacts: GroupArtifactRow;
  tags: TagRow;
  artifact_tags: ArtifactTagRow;
}

/** Columns per table in a fixed order: the order of bulk inserts and of the canonical checksum. */
export const COLUMNS: { [T in TableName]: readonly (keyof TableRows[T] & string)[] } = {
  artifacts: ['id', 'name', 'type', 'source', 'version', 'description', 'created_at', 'updated_at'],
  collections: ['id', 'name', 'description', 'created_at', 'updated_at'],
  collection_artifacts: ['collection_id', 'artifact_id', 'added_at'],
  groups: ['id', 'collection_id', 'name', 'position'],
  group_artifacts: ['group_id', 'artifact_id', 'position'],
  tags: ['id', 'name'],
  artifact_tags: ['artifact_id', 'tag_id'],
};

/** Primary-key columns per table: the canonical order of rows for checksums. */
export const PRIMARY_KEYS: { [T in TableName]: readonly (keyof TableRows[T] & string)[] } = {
  artifacts: ['id'],
  collections: ['id'],
  collection_artifacts: ['collection_id', 'artifact_id'],
  groups: ['id'],
  group_artifacts: ['group_id', 'artifact_id'],
  tags: ['id'],
  artifact_tags: ['artifact_id', 'tag_id'],
};
