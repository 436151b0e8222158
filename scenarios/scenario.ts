import type { Knex } from 'knex';
import type { ProfileName } from '../fixtures/profiles.js';
import type { Thresholds } from './thresholds.js';

/** Gates a scenario can ask for; each is explained in the README. */
export const GATE_IDS = [
  'p95-under-budget',
  'queries-at-most-max',
  'queries-constant-in-page-size',
  'same-response-as-baseline',
  'not-slower-than-baseline',
  'no-new-full-scan',
  'same-queries-as-snapshot',
] as const;
export type GateId = (typeof GATE_IDS)[number];

/**
 * Gate ids before they were named for what they judge, read as their new ids for one release:
 * scenario files, result files and notes written before the rename still judge and compare.
 */
export const GATE_ALIASES = { 'detail-no-regression': 'not-slower-than-baseline' } as const satisfies Record<string, GateId>;
export type DeprecatedGateId = keyof typeof GATE_ALIASES;

/** A gate id as it is judged today: an old id read as its new one, any other id as it is. */
export function canonicalGateId<T extends string>(id: T): T extends DeprecatedGateId ? GateId : T {
  return (Object.hasOwn(GATE_ALIASES, id) ? GATE_ALIASES[id as DeprecatedGateId] : id) as T extends DeprecatedGateId ? GateId : T;
}

/** The gates a scenario asks for, by their ids of today, each once. */
export function gatesOf(scenario: Pick<Scenario, 'gates'>): GateId[] {
  return [...new Set(scenario.gates.map((id) => canonicalGateId(id) as GateId))];
}

/** HTTP methods a request may declare. Only GET is measured: the harness refuses the others. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A seeded pseudo-random generator handed to {@link ComputedRequestSpec.resolve}: the same seed
 * gives the same draws on every machine, so a scenario's requests are the same run after run.
 */
export interface SeededRandom {
  /** Uniform integer in [0, bound). */
  int(bound: number): number;
}

interface RequestBase {
  /** Names the request in reports, e.g. "page 5" or "limit=100"; a kind of request in the query snapshot. */
  label: string;
  /** Only GET is timed today; any other method is refused before measuring. @default 'GET' */
  method?: HttpMethod;
  /**
   * What of a response must equal the baseline's (`same-response-as-baseline`): the JSON body as
   * this returns it, e.g. without a generated timestamp, or with a list whose order the route does
   * not promise sorted. The status always counts. @default the whole body, byte for byte
   */
  compare?: (body: unknown) => unknown;
}

/** A request to a literal path of the service, with its query: `/api/v1/artifacts?limit=50`. */
export interface PathRequestSpec extends RequestBase {
  path: string;
  resolve?: never;
}

/**
 * Requests whose paths are computed from the fixture (a random artifact's id, a cursor, the
 * largest collection's name). `resolve` runs on an uninstrumented connection before measuring,
 * so none of its statements are counted; each path it returns is one request under `label`.
 */
export interface ComputedRequestSpec extends RequestBase {
  /** `random` is seeded with `seed`, fresh for each spec. */
  resolve: (db: Knex, seed: number, random: SeededRandom) => Promise<string[]>;
  path?: never;
}

/** One kind of request of a scenario: a method (GET) and a path, literal or computed from the fixture. */
export type RequestSpec = PathRequestSpec | ComputedRequestSpec;

/** A scenario: which requests, on which databases and implementations, judged by which gates. */
export interface Scenario {
  name: string;
  description: string;
  requests: RequestSpec[];
  /** Old ids (GATE_ALIASES) are read as their new ones for one release. */
  gates: (GateId | DeprecatedGateId)[];
  /**
   * This scenario's own thresholds, over the run's (`--max-queries` and the other flags, which
   * are a default for every scenario): see `thresholdsFor` in thresholds.ts. @default the run's
   */
  thresholds?: Partial<Thresholds>;
  /** Databases to run on. @default both */
  dialects?: ('sqlite' | 'postgres')[];
  /** Part of a plain `querygate run`. @default true */
  runByDefault?: boolean;
  /** A sweep over fixtures and page sizes instead of fixed requests (the scaling scenario). */
  sweep?: { profiles: ProfileName[]; limits: number[] };
  /**
   * Also measure, beside the implementation under test, the run's noise floor (an A/A copy of it,
   * without --against) and the instrumentation's overhead (an uninstrumented copy). Each costs
   * time, so a scenario asks for them; the acceptance scenario does. @default false
   */
  noiseFloor?: boolean;
}
