import type { Knex } from 'knex';
import type { ArtifactItem, CollectionRef, ListQuery, ListResponse } from '../contract.js';
import type { CursorCodec } from '../cursor.js';
import { dialectOf } from '../dialect/sql-dialect.js';
import { notFound } from '../http/http-error.js';
import { applyFilters, ARTIFACT_COLUMNS, pageResponse, selectPage } from './artifact-page.js';
import { assembleItem } from './assemble-items.js';
import type { ArtifactRecord, Implementation } from './implementation.js';

/** An item as the database's JSON aggregation returns it. */
interface JsonItem extends ArtifactRecord {
  tags: string[];
  collections: CollectionRef[];
}

/** The statement's one row. Counts come back as numbers (SQLite) or decimal strings (Postgres). */
interface FloorRow {
  fetched: number | string;
  total: number | string;
  /** JSON text (SQLite), parsed JSON (Postgres), null for an empty page on Postgres. */
  items: string | JsonItem[] | null;
  collection_found?: number | string;
}

const parseJson = <T>(value: string | T | null): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/**
 * One statement per request: the page (limit + 1 rows, CTE `page`), the rows shown (`shown`, the
 * first `limit`), the total count of the filters and, when filtering by collection, whether it
 * exists, as scalar subqueries of one SELECT; the items with their tags and collections come out
 * of the database as one JSON array (JSON aggregation per dialect). Counts are the stored
 * `collections.artifact_count`: the least work the database can do for this response. The JSON
 * is parsed and shaped by the shared assembleItem, so the bytes equal every other implementation's.
 */
async function listArtifacts(db: Knex, query: ListQuery, cursors: CursorCodec): Promise<ListResponse> {
  const { statement, total } = withPage(db, query);
  statement
    .with('shown', db.raw('select * from page order by type, name limit ?', [query.limit]))
    .select(db('page').count('*').as('fetched'), total.as('total'), db.raw(`(${dialectOf(db).itemsJson('shown')}) as items`));
  if (query.collection !== null) statement.select(db('collections').where('name', query.collection).count('*').as('collection_found'));
  const [row] = (await statement) as FloorRow[];
  if (row === undefined) throw new Error('floor: the statement returned no row');
  if (query.collection !== null && Number(row.collection_found) === 0) {
    throw notFound(`no collection named ${JSON.stringify(query.collection)}`);
  }
  const items = (parseJson<JsonItem[]>(row.items) ?? []).map(toItem);
  return pageResponse(items, Number(row.fetched) > query.limit, query, Number(row.total), cursors);
}

/** The statement begun with CTE `page` (limit + 1 artifact rows), and the total count's subquery. */
function withPage(db: Knex, query: ListQuery): { statement: Knex.QueryBuilder; total: Knex.QueryBuilder } {
  if ((query.collection === null && query.tags === null) || !dialectOf(db).pageFromMatchingSet) {
    // The shared keyset query walks the (type, name) index and stops once the page is full.
    return { statement: db.with('page', selectPage(db, query)), total: applyFilters(db, db('artifacts').count('*'), query) };
  }
  // Filtered by membership or tag, a plan that sorts every matching artifact for the page does
  // the count's work again: find them once (a CTE used twice is materialized) for both.
  const matching = applyFilters(db, db('artifacts').select('artifacts.id', 'artifacts.type', 'artifacts.name'), query);
  const keys = db('matching as m')
    .select('m.id')
    .orderBy([{ column: 'm.type' }, { column: 'm.name' }])
    .limit(query.limit + 1);
  if (query.after !== null) keys.whereRaw('(m.type, m.name) > (?, ?)', [query.after.type, query.after.name]);
  const page = db('artifacts').whereIn('artifacts.id', keys).select(ARTIFACT_COLUMNS.map((c) => `artifacts.${c}`));
  return { statement: db.with('matching', matching).with('page', page), total: db('matching').count('*') };
}

async function getArtifact(db: Knex, id: string): Promise<ArtifactItem | null> {
  const [row] = (await db
    .with('shown', db('artifacts').where('id', id).select(ARTIFACT_COLUMNS))
    .select(db.raw(`(${dialectOf(db).itemsJson('shown')}) as items`))) as Pick<FloorRow, 'items'>[];
  const [item] = parseJson<JsonItem[]>(row?.items ?? null) ?? [];
  return item === undefined ? null : toItem(item);
}

const toItem = (item: JsonItem): ArtifactItem => assembleItem(item, item.tags, item.collections);

/** The fastest answer the database can give: one statement per request, JSON built by the database. */
export const floor: Implementation = {
  name: 'floor',
  description: 'one hand-written statement per request: page, total and items with tags and stored counts as JSON aggregation',
  listArtifacts,
  getArtifact,
};
