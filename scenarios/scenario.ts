import type { ProfileName } from '../fixtures/profiles.js';
import type { ArtifactType } from '../src/schema.js';

/** Gates a scenario can ask for; each is explained in the README. */
export const GATE_IDS = [
  'p95-under-budget',
  'queries-at-most-max',
  'queries-constant-in-page-size',
  'same-response-as-baseline',
  'detail-no-regression',
  'no-new-full-scan',
  'same-queries-as-snapshot',
] as const;
export type GateId = (typeof GATE_IDS)[number];

/** A list request, declared in terms of the fixture rather than of concrete values. */
export interface ListRequestSpec {
  limit: number;
  /** 1-based page, reached with the cursor the previous page would have returned. @default 1 */
  page?: number;
  artifactType?: ArtifactType;
  /** Filter by the collection of this size rank (1 = the largest). */
  collectionRank?: number;
  /** Filter by the N most used tags. */
  topTags?: number;
}

export interface RequestSpec {
  /** Names the request in reports, e.g. "page 5" or "limit=100". */
  label: string;
  list?: ListRequestSpec;
  /** Detail requests for N artifacts drawn at random (seeded) from the fixture. */
  detail?: { random: number };
}

/** A scenario: which requests, on which databases and implementations, judged by which gates. */
export interface Scenario {
  name: string;
  description: string;
  requests: RequestSpec[];
  gates: GateId[];
  /** Databases to run on. @default both */
  dialects?: ('sqlite' | 'postgres')[];
  /** Part of a plain `querygate run`. @default true */
  runByDefault?: boolean;
  /** A sweep over fixtures and page sizes instead of fixed requests (the scaling scenario). */
  sweep?: { profiles: ProfileName[]; limits: number[] };
}
