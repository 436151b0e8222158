import type { Knex } from 'knex';
import type { RequestSpec, Scenario } from '../../scenarios/scenario.js';
import { UsageError } from '../core/errors.js';
import { createRandom } from '../stats/random.js';

/** A concrete request: what the client sends (GET, the only method measured). */
export interface ResolvedRequest {
  label: string;
  path: string;
  /** What of the response is compared with the baseline's; absent: the bytes. */
  compare?: (body: unknown) => unknown;
}

export { CURSOR_SECRET } from '../../scenarios/artifact-requests.js';

/**
 * Refuses, before anything is measured, a scenario whose requests the harness cannot measure: a
 * method other than GET (the sampler repeats each request hundreds of times, which only a read
 * survives unchanged), or a literal path that is not one.
 */
export function checkRequests(scenario: Scenario): void {
  for (const spec of scenario.requests) {
    const method = spec.method ?? 'GET';
    if (method !== 'GET') {
      throw new UsageError(
        `scenario ${scenario.name}, request ${JSON.stringify(spec.label)}: method ${method} is not measured; only GET requests are timed (a write repeated in every round would change the fixture it measures)`,
      );
    }
    // Scenarios are plain objects: a file may declare what the types would refuse.
    const declared: { path?: unknown; resolve?: unknown } = spec;
    if (declared.path !== undefined) checkPath(scenario, spec, declared.path);
    else if (typeof declared.resolve !== 'function') throw new UsageError(`scenario ${scenario.name}, request ${JSON.stringify(spec.label)}: declares neither a path nor a resolve function`);
  }
}

/**
 * Turns a scenario's declared requests into paths for this fixture: a literal path as it is, a
 * computed one by calling its `resolve` (with a generator seeded by `seed`, fresh for each spec).
 * Runs on an uninstrumented connection before measuring, so none of it is counted.
 */
export async function resolveRequests(db: Knex, scenario: Scenario, seed: number): Promise<ResolvedRequest[]> {
  checkRequests(scenario);
  const out: ResolvedRequest[] = [];
  for (const spec of scenario.requests) {
    const paths = spec.path !== undefined ? [spec.path] : await spec.resolve(db, seed, createRandom(seed));
    for (const path of paths) {
      out.push({ label: spec.label, path: checkPath(scenario, spec, path), ...(spec.compare === undefined ? {} : { compare: spec.compare }) });
    }
  }
  return out;
}

function checkPath(scenario: Scenario, spec: RequestSpec, path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new UsageError(`scenario ${scenario.name}, request ${JSON.stringify(spec.label)}: ${JSON.stringify(path)} is not a path of the service (it must start with /, e.g. /api/v1/artifacts?limit=50)`);
  }
  return path;
}
