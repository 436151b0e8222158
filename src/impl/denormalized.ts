import type { Knex } from 'knex';
import type { CollectionRef } from '../contract.js';
import { assembleItem, groupBy } from './assemble-items.js';
import { implementationFromLoader } from './artifact-page.js';
import { loadTags } from './fixed.js';
import type { ArtifactRecord } from './implementation.js';

async function loadItems(db: Knex, rows: readonly ArtifactRecord[]) {
  const ids = rows.map((r) => r.id);
  const [memberships, tags] = await Promise.all([
    // The count is a column of the collection, kept exact by the database's triggers: no
    // aggregation, so the cost follows the page, not the size of its collections.
    db('collection_artifacts as ca')
      .join('collections as c', 'c.id', 'ca.collection_id')
      .whereIn('ca.artifact_id', ids)
      .select('ca.artifact_id', 'c.id', 'c.name', 'c.artifact_count') as Promise<
      { artifact_id: string; id: string; name: string; artifact_count: number | string }[]
    >,
    loadTags(db, ids),
  ]);
  const collections = groupBy(
    memberships.map((m) => [m.artifact_id, { id: m.id, name: m.name, artifact_count: Number(m.artifact_count) }] as const),
  );
  return rows.map((row) => assembleItem(row, tags.get(row.id) ?? [], collections.get(row.id) ?? ([] as CollectionRef[])));
}

/** Stored counts: page, total count, memberships with their collections' counts, tags; 4 queries. */
export const denormalized = implementationFromLoader(
  'denormalized',
  'collections carry artifact_count, kept exact by triggers on collection_artifacts: no aggregation at read time',
  loadItems,
);
