import type { Knex } from 'knex';
import { postgresDialect } from './postgres-dialect.js';
import { sqliteDialect } from './sqlite-dialect.js';

/**
 * The SQL that knex cannot write for both databases: triggers and JSON aggregation. Everything
 * else in src/ is dialect-neutral knex; only this module asks which database it is on.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * DDL, one statement per entry, that makes the database keep `collections.artifact_count`
   * equal to the collection's number of rows in `collection_artifacts` on every insert, delete
   * and move (update of `collection_id`) of a membership.
   */
  readonly countTriggers: readonly string[];
  /**
   * How the one-statement list finds a page filtered by collection or tag. true: collect the
   * matching artifacts once, for the page and the total count alike (Postgres plans the filtered
   * page as a semi-join that sorts every match, as expensive as the count). false: walk the
   * (type, name) index until the page is full (SQLite stops early there), and count separately.
   */
  readonly pageFromMatchingSet: boolean;
  /**
   * The column type of text that the API orders by (artifact type and name, collection and tag
   * names): compared byte by byte whatever the database's locale, so that keyset order, and so
   * every answer, is the same on every database.
   */
  orderedText(length: number): string;
  /**
   * A SELECT of one row and one column: the JSON array (text or parsed JSON) of the artifacts in
   * `rows` (the name of a CTE or table of artifact rows), each with its `tags` and its
   * `collections` (id, name, the stored `artifact_count`), in keyset order (type, name);
   * `[]` or null when `rows` is empty.
   */
  itemsJson(rows: string): string;
}

const BY_CLIENT: Readonly<Record<string, SqlDialect>> = {
  'better-sqlite3': sqliteDialect,
  sqlite3: sqliteDialect,
  pg: postgresDialect,
  postgres: postgresDialect,
  postgresql: postgresDialect,
};

/** The dialect of a knex instance (or transaction), from its configured client. */
export function dialectOf(db: Knex): SqlDialect {
  const client: unknown = db.client.config.client;
  const dialect = typeof client === 'string' && Object.hasOwn(BY_CLIENT, client) ? BY_CLIENT[client] : undefined;
  if (dialect === undefined) {
    throw new Error(`unsupported knex client ${JSON.stringify(String(client))}; supported: ${Object.keys(BY_CLIENT).join(', ')}`);
  }
  return dialect;
}
