import type { Knex } from 'knex';
import { assembleItem, groupBy } from './assemble-items.js';
import { implementationFromLoader } from './artifact-page.js';
import type { ArtifactRecord } from './implementation.js';

interface MembershipRow {
  collection_id: string;
  artifact_id: string;
  added_at: string;
}
interface CollectionRecord {
  id: string;
  name: string;
}

/**
 * The query sequence of the service before the fix. Its ORM loaded `Artifact.collections`,
 * `Collection.groups` (and each group's memberships) and `Collection.collection_artifacts` with
 * `lazy="selectin"`, so every load of collections pulled these whether the response used them or
 * not; then the router ran one COUNT(*) per collection per artifact.
 */
async function loadItems(db: Knex, rows: readonly ArtifactRecord[]) {
  const ids = rows.map((r) => r.id);
  const memberships: MembershipRow[] = await db('collection_artifacts').whereIn('artifact_id', ids).select('*');
  const collectionIds = [...new Set(memberships.map((m) => m.collection_id))];
  const collections: CollectionRecord[] =
    collectionIds.length === 0 ? [] : await db('collections').whereIn('id', collectionIds).select('*');
  if (collectionIds.length > 0) {
    // The eager loads nobody used: fetched, then dropped, as the ORM did.
    const groups: { id: string }[] = await db('groups').whereIn('collection_id', collectionIds).select('*');
    if (groups.length > 0) {
      await db('group_artifacts')
        .whereIn(
          'group_id',
          groups.map((g) => g.id),
        )
        .select('*');
    }
    await db('collection_artifacts').whereIn('collection_id', collectionIds).select('*');
  }
  const tagRows: { artifact_id: string; name: string }[] = await db('artifact_tags as at')
    .join('tags as t', 't.id', 'at.tag_id')
    .whereIn('at.artifact_id', ids)
    .select('at.artifact_id', 't.name');
  const tags = groupBy(tagRows.map((r) => [r.artifact_id, r.name] as const));
  const collectionById = new Map(collections.map((c) => [c.id, c]));
  const items = [];
  for (const row of rows) {
    const refs = [];
    for (const m of memberships) {
      if (m.artifact_id !== row.id) continue;
      const collection = collectionById.get(m.collection_id);
      if (collection === undefined) continue;
      // The N+1: one COUNT(*) per collection per artifact.
      const counted = await db('collection_artifacts').where('collection_id', m.collection_id).count({ n: '*' }).first();
      refs.push({ id: collection.id, name: collection.name, artifact_count: Number(counted?.n ?? 0) });
    }
    items.push(assembleItem(row, tags.get(row.id) ?? [], refs));
  }
  return items;
}

/**
 * The N+1 baseline: the page and its total (2), memberships, collections, the three eager loads
 * and tags (6), then one COUNT(*) per membership: 8 + memberships, e.g. 102 for the first 50
 * artifacts of the small fixture (94 memberships). Its item loading shares no query with the fix,
 * so that changing the fix cannot change the reference the fix is compared with.
 */
export const baseline = implementationFromLoader(
  'baseline',
  'the pre-fix N+1: eager loads of unused relations and one COUNT(*) per collection per artifact',
  loadItems,
);
