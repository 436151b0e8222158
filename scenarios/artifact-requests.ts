import type { Knex } from 'knex';
import { CursorCodec } from '../src/cursor.js';
import type { ArtifactType } from '../src/schema.js';
import type { ComputedRequestSpec } from './scenario.js';

/**
 * The secret the measured service signs its pagination cursors with: the harness serves every
 * implementation with it, and the list requests below sign the cursors they resume from with it.
 */
export const CURSOR_SECRET = 'querygate-cursor-v1';

const LIST = '/api/v1/artifacts';

/** A page of the artifact list, declared in terms of the fixture rather than of concrete values. */
export interface ListPage {
  limit: number;
  /** 1-based page, reached with the cursor the previous page would have returned. @default 1 */
  page?: number;
  artifactType?: ArtifactType;
  /** Filter by the collection of this size rank (1 = the largest). */
  collectionRank?: number;
  /** Filter by the N most used tags. */
  topTags?: number;
}

/** `GET /api/v1/artifacts?...`: one request for this page of the list, its filters and cursor looked up in the fixture. */
export function listRequest(label: string, page: ListPage): ComputedRequestSpec {
  return { label, resolve: async (db) => [await listPath(db, label, page)] };
}

/** `GET /api/v1/artifacts/{type:name}` for `n` artifacts drawn at random (seeded) from the fixture. */
export function detailRequests(label: string, n: number): ComputedRequestSpec {
  return {
    label,
    resolve: async (db, _seed, random) => {
      const total = Number((await db('artifacts').count({ n: '*' }).first())?.n ?? 0);
      const paths: string[] = [];
      for (let i = 0; i < n; i++) {
        const row: { id: string } | undefined = await db('artifacts').orderBy('id').offset(random.int(total)).first('id');
        if (row !== undefined) paths.push(`${LIST}/${encodeURIComponent(row.id)}`);
      }
      return paths;
    },
  };
}

async function listPath(db: Knex, label: string, list: ListPage): Promise<string> {
  const params = new URLSearchParams({ limit: String(list.limit) });
  const filtered = db('artifacts');
  if (list.artifactType !== undefined) {
    params.set('artifact_type', list.artifactType);
    filtered.where('type', list.artifactType);
  }
  if (list.collectionRank !== undefined) {
    const row: { name: string; id: string } | undefined = await db('collections as c')
      .join('collection_artifacts as ca', 'ca.collection_id', 'c.id')
      .groupBy('c.id', 'c.name')
      .orderByRaw('count(*) desc, c.id')
      .offset(list.collectionRank - 1)
      .first('c.name', 'c.id');
    if (row === undefined) throw new Error(`the fixture has no collection of rank ${list.collectionRank}`);
    params.set('collection', row.name);
    filtered.whereIn('id', db('collection_artifacts').where('collection_id', row.id).select('artifact_id'));
  }
  if (list.topTags !== undefined) {
    const tags: { name: string }[] = await db('tags as t')
      .join('artifact_tags as at', 'at.tag_id', 't.id')
      .groupBy('t.id', 't.name')
      .orderByRaw('count(*) desc, t.id')
      .limit(list.topTags)
      .select('t.name');
    const names = tags.map((t) => t.name);
    params.set('tags', names.join(','));
    filtered.whereIn('id', db('artifact_tags as at').join('tags as t', 't.id', 'at.tag_id').whereIn('t.name', names).select('at.artifact_id'));
  }
  const page = list.page ?? 1;
  if (page > 1) {
    // The cursor the API would have returned at the end of the previous page.
    const last: { type: string; name: string } | undefined = await filtered
      .orderBy([{ column: 'type' }, { column: 'name' }])
      .offset((page - 1) * list.limit - 1)
      .first('type', 'name');
    if (last === undefined) throw new Error(`request ${label}: the fixture has fewer than ${page - 1} pages`);
    params.set('after', new CursorCodec(CURSOR_SECRET).encode(last));
  }
  return `${LIST}?${params.toString()}`;
}
