import type { Knex } from 'knex';
import { CursorCodec } from '../../src/cursor.js';
import type { RequestSpec, Scenario } from '../../scenarios/scenario.js';
import { createRandom } from '../stats/random.js';

/** A concrete request: what the client sends. */
export interface ResolvedRequest {
  label: string;
  path: string;
}

export const CURSOR_SECRET = 'querygate-cursor-v1';
const LIST = '/api/v1/artifacts';

/**
 * Turns a scenario's declared requests into paths for this fixture. Runs on an uninstrumented
 * connection before measuring, so none of it is counted.
 */
export async function resolveRequests(db: Knex, scenario: Scenario, seed: number): Promise<ResolvedRequest[]> {
  const cursors = new CursorCodec(CURSOR_SECRET);
  const out: ResolvedRequest[] = [];
  for (const spec of scenario.requests) out.push(...(await resolveOne(db, spec, cursors, seed)));
  return out;
}

async function resolveOne(db: Knex, spec: RequestSpec, cursors: CursorCodec, seed: number): Promise<ResolvedRequest[]> {
  if (spec.detail !== undefined) {
    const total = Number((await db('artifacts').count({ n: '*' }).first())?.n ?? 0);
    const random = createRandom(seed);
    const out: ResolvedRequest[] = [];
    for (let i = 0; i < spec.detail.random; i++) {
      const row: { id: string } | undefined = await db('artifacts').orderBy('id').offset(random.int(total)).first('id');
      if (row !== undefined) out.push({ label: spec.label, path: `${LIST}/${encodeURIComponent(row.id)}` });
    }
    return out;
  }
  const list = spec.list;
  if (list === undefined) throw new Error(`request ${spec.label} declares neither list nor detail`);
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
    if (last === undefined) throw new Error(`request ${spec.label}: the fixture has fewer than ${page - 1} pages`);
    params.set('after', cursors.encode(last));
  }
  return [{ label: spec.label, path: `${LIST}?${params.toString()}` }];
}
