import type { Knex } from 'knex';
import type { ArtifactItem, ListQuery, ListResponse } from '../contract.js';
import type { CursorCodec } from '../cursor.js';

/**
 * One way of answering the endpoint. All implementations share the response contract and differ
 * only in how they query; a test proves they answer byte-for-byte identically.
 */
export interface Implementation {
  readonly name: string;
  readonly description: string;
  listArtifacts(db: Knex, query: ListQuery, cursors: CursorCodec): Promise<ListResponse>;
  /** null when no artifact has this id. */
  getArtifact(db: Knex, id: string): Promise<ArtifactItem | null>;
}

/** Turns a page of artifact rows into response items: the part where implementations differ. */
export type ItemLoader = (db: Knex, rows: readonly ArtifactRecord[]) => Promise<ArtifactItem[]>;

/** An artifact row as selected by the shared page query. */
export interface ArtifactRecord {
  id: string;
  name: string;
  type: string;
  source: string;
  version: string | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}
