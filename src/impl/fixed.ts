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

async function loadItems(db: Knex, rows: readonly ArtifactRecord[]) {
  const ids = rows.map((r) => r.id);
  const memberships: { artifact_id: string; id: string; name: string }[] = await db('collection_artifacts as ca')
    .join('collections as c', 'c.id', 'ca.collection_id')
    .whereIn('ca.artifact_id', ids)
    .select('ca.artifact_id', 'c.id', 'c.name');
  const collectionIds = [...new Set(memberships.map((m) => m.id))];
  // One GROUP BY for every collection on the page, instead of one COUNT(*) per membership.
  const counts: { collection_id: string; n: number | string }[] =
    collectionIds.length === 0
      ? []
      : await db('collection_artifacts')
          .whereIn('collection_id', collectionIds)
          .groupBy('collection_id')
          .select('collection_id')
          .count({ n: '*' });
  const countById = new Map(counts.map((c) => [c.collection_id, Number(c.n)]));
  const tags = await loadTags(db, ids);
  const collections = groupBy(
    memberships.map((m) => [m.artifact_id, { id: m.id, name: m.name, artifact_count: countById.get(m.id) ?? 0 }] as const),
  );
  return rows.map((row) => assembleItem(row, tags.get(row.id) ?? [], collections.get(row.id) ?? ([] as CollectionRef[])));
}

/** The fix: memberships joined to collections, one GROUP BY count, tags; <= 5 queries per request. */
export const fixed = implementationFromLoader(
  'fixed',
  'batched: one GROUP BY count for all collections of the page, relations loaded on demand',
  loadItems,
);
