import type { ArtifactItem, CollectionRef } from '../contract.js';
import type { ArtifactType } from '../schema.js';
import { byteOrder } from './artifact-page.js';
import type { ArtifactRecord } from './implementation.js';

/** Groups `[key, value]` pairs into a map of arrays. */
export function groupBy<V>(pairs: Iterable<readonly [string, V]>): Map<string, V[]> {
  const map = new Map<string, V[]>();
  for (const [key, value] of pairs) {
    const list = map.get(key);
    if (list === undefined) map.set(key, [value]);
    else list.push(value);
  }
  return map;
}

/** The one place that shapes an item, so every implementation answers with the same bytes. */
export function assembleItem(row: ArtifactRecord, tags: readonly string[], collections: readonly CollectionRef[]): ArtifactItem {
  return {
    id: row.id,
    name: row.name,
    type: row.type as ArtifactType,
    source: row.source,
    version: row.version,
    description: row.description,
    tags: [...tags].sort(byteOrder),
    collections: [...collections]
      .sort((a, b) => byteOrder(a.name, b.name))
      .map((c) => ({ id: c.id, name: c.name, artifact_count: Number(c.artifact_count) })),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
