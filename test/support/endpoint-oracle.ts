import type { Knex } from 'knex';
import type { ArtifactItem } from '../../src/contract.js';
import { DEFAULT_LIMIT } from '../../src/contract.js';
import type { ArtifactRow, CollectionRow } from '../../src/schema.js';
import type { ListRequest } from './endpoint-list-request.js';

/** Byte order of UTF-8 strings: the order the API promises, whatever the locale. */
export const compareBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Keyset order of the list: (type, name) in byte order. */
export const compareKeys = (a: { type: string; name: string }, b: { type: string; name: string }): number =>
  compareBytes(a.type, b.type) || compareBytes(a.name, b.name);

/**
 * The fixture's data read straight from the tables, with no code of src/ involved: an
 * independent answer to what the endpoint should say, so that an error shared by every
 * implementation (the page query, the item shape) is caught too.
 */
export interface FixtureModel {
  /** Every artifact, in keyset order. */
  readonly artifacts: readonly ArtifactRow[];
  readonly collections: readonly CollectionRow[];
  readonly tagNames: readonly string[];
  readonly collectionIdsByArtifact: ReadonlyMap<string, readonly string[]>;
  readonly tagsByArtifact: ReadonlyMap<string, readonly string[]>;
  /** `SELECT COUNT(*) FROM collection_artifacts WHERE collection_id = ?`, one query per collection. */
  readonly directCounts: ReadonlyMap<string, number>;
}

export async function loadFixtureModel(db: Knex): Promise<FixtureModel> {
  const artifacts: ArtifactRow[] = await db('artifacts').select('*');
  const collections: CollectionRow[] = await db('collections').select('*');
  const memberships: { collection_id: string; artifact_id: string }[] = await db('collection_artifacts').select(
    'collection_id',
    'artifact_id',
  );
  const tags: { id: number; name: string }[] = await db('tags').select('id', 'name');
  const artifactTags: { artifact_id: string; tag_id: number }[] = await db('artifact_tags').select('artifact_id', 'tag_id');
  const tagName = new Map(tags.map((t) => [Number(t.id), t.name]));
  const directCounts = new Map<string, number>();
  for (const collection of collections) directCounts.set(collection.id, await directArtifactCount(db, collection.id));
  return {
    artifacts: artifacts.sort(compareKeys),
    collections,
    tagNames: tags.map((t) => t.name),
    collectionIdsByArtifact: groupPairs(memberships.map((m) => [m.artifact_id, m.collection_id])),
    tagsByArtifact: groupPairs(artifactTags.map((at) => [at.artifact_id, tagName.get(Number(at.tag_id)) ?? `?${at.tag_id}`])),
    directCounts,
  };
}

/** The number of artifacts in a collection, counted by the database directly. */
export async function directArtifactCount(db: Knex, collectionId: string): Promise<number> {
  const row = await db('collection_artifacts').where('collection_id', collectionId).count({ n: '*' }).first();
  return Number(row?.n);
}

/** The item the API should answer for an artifact: collections by name, tags sorted, counts direct. */
export function expectedItem(model: FixtureModel, row: ArtifactRow): ArtifactItem {
  const collections = (model.collectionIdsByArtifact.get(row.id) ?? []).map((id) => {
    const collection = model.collections.find((c) => c.id === id);
    return { id, name: collection?.name ?? `?${id}`, artifact_count: model.directCounts.get(id) ?? -1 };
  });
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    source: row.source,
    version: row.version,
    description: row.description,
    tags: [...(model.tagsByArtifact.get(row.id) ?? [])].sort(compareBytes),
    collections: collections.sort((a, b) => compareBytes(a.name, b.name)),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export type ExpectedList =
  | { status: 404 }
  | { status: 200; ids: string[]; totalCount: number; hasNextPage: boolean };

/** What a list request should answer: which artifacts, in which order, how many in all. */
export function expectedList(model: FixtureModel, request: ListRequest): ExpectedList {
  const collection = request.collection === undefined ? undefined : model.collections.find((c) => c.name === request.collection);
  if (request.collection !== undefined && collection === undefined) return { status: 404 };
  const matching = model.artifacts.filter(
    (a) =>
      (request.artifactType === undefined || a.type === request.artifactType) &&
      (collection === undefined || (model.collectionIdsByArtifact.get(a.id) ?? []).includes(collection.id)) &&
      (request.tags === undefined || (model.tagsByArtifact.get(a.id) ?? []).some((tag) => request.tags?.includes(tag))),
  );
  const after = request.after;
  const rest = after === undefined ? matching : matching.filter((a) => compareKeys(a, after) > 0);
  const limit = request.limit ?? DEFAULT_LIMIT;
  return {
    status: 200,
    ids: rest.slice(0, limit).map((a) => a.id),
    totalCount: matching.length,
    hasNextPage: rest.length > limit,
  };
}

function groupPairs(pairs: readonly (readonly [string, string])[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [key, value] of pairs) map.set(key, [...(map.get(key) ?? []), value]);
  return map;
}
