import type { Knex } from 'knex';
import type { ArtifactItem, ListQuery, ListResponse } from '../contract.js';
import type { CursorCodec } from '../cursor.js';
import { notFound } from '../http/http-error.js';
import type { ArtifactRecord, Implementation, ItemLoader } from './implementation.js';

export const ARTIFACT_COLUMNS = ['id', 'name', 'type', 'source', 'version', 'description', 'created_at', 'updated_at'] as const;

/** Applies the list filters (not the cursor) to a query on `artifacts`. */
export function applyFilters(db: Knex, builder: Knex.QueryBuilder, query: ListQuery): Knex.QueryBuilder {
  if (query.artifactType !== null) builder.where('artifacts.type', query.artifactType);
  if (query.collection !== null) {
    builder.whereIn(
      'artifacts.id',
      db('collection_artifacts as ca')
        .join('collections as c', 'c.id', 'ca.collection_id')
        .where('c.name', query.collection)
        .select('ca.artifact_id'),
    );
  }
  if (query.tags !== null) {
    builder.whereIn(
      'artifacts.id',
      db('artifact_tags as at').join('tags as t', 't.id', 'at.tag_id').whereIn('t.name', query.tags).select('at.artifact_id'),
    );
  }
  return builder;
}

/** The page (limit + 1 rows, to know whether there is a next page), in keyset order (type, name). */
export function selectPage(db: Knex, query: ListQuery): Knex.QueryBuilder {
  const page = applyFilters(db, db('artifacts').select(ARTIFACT_COLUMNS.map((c) => `artifacts.${c}`)), query);
  if (query.after !== null) {
    // A row-value comparison: one index range scan on (type, name) in both SQLite and Postgres.
    page.whereRaw('(artifacts.type, artifacts.name) > (?, ?)', [query.after.type, query.after.name]);
  }
  return page.orderBy([{ column: 'artifacts.type' }, { column: 'artifacts.name' }]).limit(query.limit + 1);
}

export async function countMatching(db: Knex, query: ListQuery): Promise<number> {
  const row = await applyFilters(db, db('artifacts').count({ n: '*' }), query).first();
  return Number(row?.n ?? 0);
}

/**
 * Builds the list response around a loader: the page, the total count, and, only when the page
 * is empty, whether the filtered collection exists at all (404 rather than an empty page).
 */
export async function listWith(
  db: Knex,
  query: ListQuery,
  cursors: CursorCodec,
  load: (rows: readonly ArtifactRecord[]) => Promise<ArtifactItem[]>,
): Promise<ListResponse> {
  const [fetched, total] = (await Promise.all([selectPage(db, query), countMatching(db, query)])) as [ArtifactRecord[], number];
  const rows = fetched.slice(0, query.limit);
  if (rows.length === 0 && query.collection !== null) {
    const exists = await db('collections').where('name', query.collection).first('id');
    if (exists === undefined) throw notFound(`no collection named ${JSON.stringify(query.collection)}`);
  }
  const items = rows.length === 0 ? [] : await load(rows);
  return pageResponse(items, fetched.length > query.limit, query, total, cursors);
}

export function pageResponse(
  items: ArtifactItem[],
  hasNext: boolean,
  query: ListQuery,
  total: number,
  cursors: CursorCodec,
): ListResponse {
  const first = items[0];
  const last = items[items.length - 1];
  return {
    items,
    page_info: {
      has_next_page: hasNext,
      has_previous_page: query.after !== null,
      start_cursor: first === undefined ? null : cursors.encode(first),
      end_cursor: last === undefined ? null : cursors.encode(last),
      total_count: total,
    },
  };
}

export async function selectArtifact(db: Knex, id: string): Promise<ArtifactRecord | undefined> {
  return db('artifacts').where('id', id).first(ARTIFACT_COLUMNS);
}

/** An implementation whose list and detail share the page queries and differ in how items load. */
export function implementationFromLoader(name: string, description: string, loader: ItemLoader): Implementation {
  return {
    name,
    description,
    listArtifacts: (db, query, cursors) => listWith(db, query, cursors, (rows) => loader(db, rows)),
    async getArtifact(db, id) {
      const row = await selectArtifact(db, id);
      if (row === undefined) return null;
      const [item] = await loader(db, [row]);
      return item ?? null;
    },
  };
}

/** Byte order, not locale order: the same on every database and machine. */
export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
