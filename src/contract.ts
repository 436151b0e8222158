import type { ArtifactRow, ArtifactType } from './schema.js';

/** One collection an artifact belongs to, with the number of artifacts in that collection. */
export interface CollectionRef {
  id: string;
  name: string;
  artifact_count: number;
}

/**
 * The item shape shared by list and detail responses (snake_case JSON, as the original API):
 * the stored artifact with its tags and collections.
 */
export interface ArtifactItem extends ArtifactRow {
  /** Tag names, sorted. */
  tags: string[];
  /** Ordered by name. */
  collections: CollectionRef[];
}

export interface PageInfo {
  has_next_page: boolean;
  /** True when the page was asked for with `after` (keyset pagination walks forward only). */
  has_previous_page: boolean;
  start_cursor: string | null;
  end_cursor: string | null;
  /** Artifacts matching the filters, ignoring the cursor. */
  total_count: number;
}

export interface ListResponse {
  items: ArtifactItem[];
  page_info: PageInfo;
}

/** Validated list parameters. */
export interface ListQuery {
  /** @default 20 */
  limit: number;
  /** Decoded keyset position: the (type, name) of the last item already seen. */
  after: { type: string; name: string } | null;
  artifactType: ArtifactType | null;
  /** Collection name. */
  collection: string | null;
  /** Any of these tags. */
  tags: string[] | null;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
