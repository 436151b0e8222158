import { ARTIFACT_TYPES, type ArtifactType } from './schema.js';
import { DEFAULT_LIMIT, MAX_LIMIT, type ListQuery } from './contract.js';
import type { CursorCodec } from './cursor.js';
import { badRequest } from './http/http-error.js';

/** What the API accepts; the 400 messages quote these so a client learns the rules from the error. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const COLLECTION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
export const TAG_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const MAX_TAGS = 20;
const LIST_PARAMS = ['limit', 'after', 'artifact_type', 'collection', 'tags'] as const;

const isArtifactType = (value: string): value is ArtifactType => (ARTIFACT_TYPES as readonly string[]).includes(value);

/** Shortens a client's value for an error message, so a 100 KB parameter is not echoed back whole. */
const quote = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);

export function parseListQuery(search: URLSearchParams, cursors: CursorCodec): ListQuery {
  const seen = new Map<string, string>();
  for (const [key, value] of search) {
    if (!(LIST_PARAMS as readonly string[]).includes(key)) {
      throw badRequest(`unknown query parameter ${quote(key)}; accepted: ${LIST_PARAMS.join(', ')}`);
    }
    if (seen.has(key)) throw badRequest(`query parameter '${key}' given more than once; give it once`);
    seen.set(key, value);
  }
  return {
    limit: parseLimit(seen.get('limit')),
    after: seen.has('after') ? cursors.decode(seen.get('after') ?? '') : null,
    artifactType: seen.has('artifact_type') ? parseArtifactType(seen.get('artifact_type') ?? '') : null,
    collection: seen.has('collection') ? parseCollectionName(seen.get('collection') ?? '') : null,
    tags: seen.has('tags') ? parseTags(seen.get('tags') ?? '') : null,
  };
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  // Digits only: "1e9", "-5", " 5", "5.0" and "0x10" are all refused rather than coerced.
  const value = /^[0-9]{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= MAX_LIMIT)) {
    throw badRequest(`'limit' must be an integer from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}), got ${quote(raw)}`);
  }
  return value;
}

function parseArtifactType(raw: string): ArtifactType {
  if (!isArtifactType(raw)) {
    throw badRequest(`'artifact_type' must be one of ${ARTIFACT_TYPES.join(', ')}, got ${quote(raw)}`);
  }
  return raw;
}

function parseCollectionName(raw: string): string {
  if (!COLLECTION_NAME_PATTERN.test(raw)) {
    throw badRequest(
      `'collection' must be a collection name: 1-100 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit; got ${quote(raw)}`,
    );
  }
  return raw;
}

function parseTags(raw: string): string[] {
  const tags = raw.split(',');
  if (tags.length > MAX_TAGS || tags.some((tag) => !TAG_PATTERN.test(tag))) {
    throw badRequest(
      `'tags' must be 1-${MAX_TAGS} comma-separated tags, each 1-64 of lowercase letters, digits, '_', '.', '-'; got ${quote(raw)}`,
    );
  }
  return [...new Set(tags)].sort();
}

/** Parses a decoded artifact id "type:name". */
export function parseArtifactId(raw: string): string {
  const colon = raw.indexOf(':');
  const type = raw.slice(0, colon);
  const name = raw.slice(colon + 1);
  if (colon < 0 || !isArtifactType(type) || !NAME_PATTERN.test(name)) {
    throw badRequest(
      `artifact id must be "type:name" with type one of ${ARTIFACT_TYPES.join(', ')} and name 1-128 of lowercase letters, digits, '.', '_', '-'; got ${quote(raw)}`,
    );
  }
  return raw;
}
