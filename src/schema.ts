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
  const ordered = dialectOf(db).orderedText;
  await db.schema.createTable('artifacts', (t) => {
    t.string('id', 300).primary();
    t.specificType('name', ordered(200)).notNullable();
    t.specificType('type', ordered(32)).notNullable();
    t.string('source', 500).notNullable();
    t.string('version', 64).nullable();
    t.text('description').nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['type', 'name'], { indexName: 'artifacts_type_name_uq' });
  });
  await db.schema.createTable('collections', (t) => {
    t.string('id', 64).primary();
    t.specificType('name', ordered(200)).notNullable().unique({ indexName: 'collections_name_uq' });
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
    t.string('collection_id', 64).notNullable().references('id').inTable('collections').onDelete('CASCADE');
    t.string('artifact_id', 300).notNullable();
    t.string('added_at', 32).notNullable();
    t.primary(['collection_id', 'artifact_id'], 'collection_artifacts_pk');
    t.index(['artifact_id'], 'collection_artifacts_artifact_id_idx');
  });
  await db.schema.createTable('groups', (t) => {
    t.string('id', 64).primary();
    t.string('collection_id', 64).notNullable().references('id').inTable('collections').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.integer('position').notNullable();
    t.index(['collection_id'], 'groups_collection_id_idx');
  });
  await db.schema.createTable('group_artifacts', (t) => {
    t.string('group_id', 64).notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.string('artifact_id', 300).notNullable();
    t.integer('position').notNullable();
    t.primary(['group_id', 'artifact_id'], 'group_artifacts_pk');
    t.index(['artifact_id'], 'group_artifacts_artifact_id_idx');
  });
  await db.schema.createTable('tags', (t) => {
    t.integer('id').primary();
    t.specificType('name', ordered(64)).notNullable().unique({ indexName: 'tags_name_uq' });
  });
  await db.schema.createTable('artifact_tags', (t) => {
    t.string('artifact_id', 300).notNullable().references('id').inTable('artifacts').onDelete('CASCADE');
    t.integer('tag_id').notNullable().references('id').inTable('tags').onDelete('CASCADE');
    t.primary(['artifact_id', 'tag_id'], 'artifact_tags_pk');
    t.index(['tag_id'], 'artifact_tags_tag_id_idx');
  });
}

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
