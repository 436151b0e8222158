import type { Knex } from 'knex';
import type { CollectionRef } from '../contract.js';
import { assembleItem, groupBy } from './assemble-items.js';
import { implementationFromLoader } from './artifact-page.js';
import type { ArtifactRecord } from './implementation.js';

/** Tags of the page in one query. */
export async function loadTags(db: Knex, artifactIds: readonly string[]): Promise<Map<string, string[]>> {
  const rows: { artifact_id: string; name: string }[] = await db('artifact_tags as at')
    .join('tags as t', 't.id', 'at.tag_id')
    .whereIn('at.artifact_id', artifactIds)
    .select('at.artifact_id', 't.name');
  return groupBy(rows.map((r) => [r.artifact_id, r.name] as const));
}

export async function loadFixedItems(db: Knex, rows: readonly ArtifactRecord[]) {
  const ids = rows.map((r) => r.id);
  // Three independent reads in one wave: on a pooled server they overlap (one round trip of
  // waiting instead of three), on SQLite they simply run in turn.
  const [memberships, tags, counts] = await Promise.all([
    db('collection_artifacts as ca')
      .join('collections as c', 'c.id', 'ca.collection_id')
      .whereIn('ca.artifact_id', ids)
      .select('ca.artifact_id', 'c.id', 'c.name') as Promise<{ artifact_id: string; id: string; name: string }[]>,
    loadTags(db, ids),
    // One statement counts every collection of the page, each by a range of the primary key (an
    // index-only scan). A GROUP BY over `collection_id IN (...)` returns the same counts, but
    // Postgres plans it as a scan of every membership once the page touches the large collections.
    db('collections as c')
      .whereIn('c.id', db('collection_artifacts').whereIn('artifact_id', ids).select('collection_id'))
      .select('c.id', db('collection_artifacts as ca').count('*').whereRaw('ca.collection_id = c.id').as('n')) as Promise<
      { id: string; n: number | string }[]
    >,
  ]);
  const countById = new Map(counts.map((c) => [c.id, Number(c.n)]));
  const collections = groupBy(
    memberships.map((m) => [m.artifact_id, { id: m.id, name: m.name, artifact_count: countById.get(m.id) ?? 0 }] as const),
  );
  return rows.map((row) => assembleItem(row, tags.get(row.id) ?? [], collections.get(row.id) ?? ([] as CollectionRef[])));
}

/** The fix: memberships joined to collections, one batched count, tags; 5 queries per request whatever the page size. */
export const fixed = implementationFromLoader(
  'fixed',
  'batched: one count statement for all collections of the page, relations loaded on demand',
  loadFixedItems,
);
