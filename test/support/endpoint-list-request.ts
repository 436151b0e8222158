import type { Random } from '../../harness/stats/random.js';
import { CursorCodec } from '../../src/cursor.js';
import { ARTIFACT_TYPES } from '../../src/schema.js';
import type { FixtureModel } from './endpoint-oracle.js';
import { TEST_CURSOR_SECRET } from './http-endpoint.js';

/** A valid list request, as data: the path is made from it, the oracle answers it. */
export interface ListRequest {
  limit?: number;
  artifactType?: string;
  collection?: string;
  tags?: readonly string[];
  /** The keyset position the cursor encodes. */
  after?: { type: string; name: string };
}

export const LIST_PATH = '/api/v1/artifacts';
const cursors = new CursorCodec(TEST_CURSOR_SECRET);

/** A cursor as the test servers issue it. */
export const testCursor = (position: { type: string; name: string }): string => cursors.encode(position);

/** The request's path, parameters in the given order (URLSearchParams encoding: spaces as '+'). */
export function listPath(request: ListRequest, order: readonly string[] = ['limit', 'after', 'artifact_type', 'collection', 'tags']): string {
  const values: Record<string, string | undefined> = {
    limit: request.limit === undefined ? undefined : String(request.limit),
    after: request.after === undefined ? undefined : testCursor(request.after),
    artifact_type: request.artifactType,
    collection: request.collection,
    tags: request.tags?.join(','),
  };
  const search = new URLSearchParams();
  for (const key of order) {
    const value = values[key];
    if (value !== undefined) search.append(key, value);
  }
  const query = search.toString();
  return query === '' ? LIST_PATH : `${LIST_PATH}?${query}`;
}

const pick = <T>(random: Random, items: readonly T[]): T => {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[random.int(items.length)] as T;
};

/**
 * A random valid list request over the fixture: filters alone and combined, limits 1..100 or
 * the default, sometimes an unknown collection (404) or a tag nobody carries (empty page), and
 * cursors at real artifacts or between them.
 */
export function randomListRequest(random: Random, model: FixtureModel): ListRequest & { order: string[] } {
  const request: ListRequest = {};
  if (random.next() < 0.85) request.limit = 1 + random.int(100);
  if (random.next() < 0.4) request.artifactType = pick(random, ARTIFACT_TYPES);
  if (random.next() < 0.35) {
    request.collection = random.next() < 0.1 ? `No Such Collection ${random.int(1000)}` : pick(random, model.collections).name;
  }
  if (random.next() < 0.35) {
    const count = 1 + random.int(4);
    const tags = Array.from({ length: count }, () => (random.next() < 0.05 ? 'no-such-tag' : pick(random, model.tagNames)));
    request.tags = tags;
  }
  if (random.next() < 0.4) {
    const at = pick(random, model.artifacts);
    // Half at an artifact, half just past one (a position no row holds).
    request.after = random.next() < 0.5 ? { type: at.type, name: at.name } : { type: at.type, name: `${at.name}-` };
  }
  const order = ['limit', 'after', 'artifact_type', 'collection', 'tags'];
  for (let k = order.length - 1; k > 0; k--) {
    const r = random.int(k + 1);
    [order[k], order[r]] = [order[r] as string, order[k] as string];
  }
  return { ...request, order };
}
