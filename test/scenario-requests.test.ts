import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/core/errors.js';
import { checkRequests, resolveRequests } from '../harness/runner/resolve-requests.js';
import { run } from '../harness/runner/run.js';
import { QUICK_SAMPLING } from '../harness/runner/sampling-options.js';
import { DEFAULT_THRESHOLDS } from '../scenarios/thresholds.js';
import { listRequest } from '../scenarios/artifact-requests.js';
import { list50 } from '../scenarios/list-50.js';
import type { Scenario } from '../scenarios/scenario.js';
import { openTestFixture, testFolder, type TestFixture } from './support/databases.js';

const scenario = (requests: Scenario['requests']): Scenario => ({ name: 'declared', description: '', requests, gates: [] });

/**
 * A request is a GET of a path: literal, or computed from the fixture by the scenario's own
 * `resolve`. The harness only calls it; what an artifact list or detail request is lives in
 * scenarios/artifact-requests.ts.
 */
describe('requests declared as paths, literal or resolved from the fixture (SQLite, small profile)', () => {
  let fixture: TestFixture;
  beforeAll(async () => {
    fixture = await openTestFixture('sqlite', 'small', 42);
  });
  afterAll(async () => fixture.close());

  it('takes a literal path as it is, query included, with the GET method or none', async () => {
    const declared = scenario([
      { label: 'summary', path: '/api/v1/collections-summary?limit=3' },
      { label: 'first page', method: 'GET', path: '/api/v1/artifacts?limit=7&artifact_type=skill' },
    ]);
    expect(await resolveRequests(fixture.db, declared, 42)).toEqual([
      { label: 'summary', path: '/api/v1/collections-summary?limit=3' },
      { label: 'first page', path: '/api/v1/artifacts?limit=7&artifact_type=skill' },
    ]);
  });

  it('calls resolve with the fixture, the seed and a generator seeded with it, one request per path returned', async () => {
    const seen: unknown[] = [];
    const declared = scenario([
      {
        label: 'largest id',
        resolve: async (db, seed, random) => {
          seen.push(seed, random.int(1000));
          const row: { id: string } | undefined = await db('artifacts').orderBy('id', 'desc').first('id');
          return [`/api/v1/artifacts/${encodeURIComponent(row?.id ?? '')}`, '/api/v1/artifacts?limit=1'];
        },
      },
    ]);
    const resolved = await resolveRequests(fixture.db, declared, 7);
    expect(resolved.map((r) => r.label)).toEqual(['largest id', 'largest id']);
    expect(resolved[0]?.path).toMatch(/^\/api\/v1\/artifacts\/[a-z]+%3A/);
    // The same seed, the same draws: requests are the same run after run.
    await resolveRequests(fixture.db, declared, 7);
    expect(seen[0]).toBe(7);
    expect(seen[1]).toBe(seen[3]);
  });

  it('resolves the artifact list pages as before they moved into scenarios/ (the query snapshots depend on it)', async () => {
    expect(await resolveRequests(fixture.db, list50, 42)).toEqual([
      { label: 'page 1', path: '/api/v1/artifacts?limit=50' },
      { label: 'page 4', path: '/api/v1/artifacts?limit=50&after=WyJjb21tYW5kIiwiYWR2YW5jZWQtZG9jeC1mb3JtYXR0ZXIiXQ.Sgk_VqwG4RYQbtV2dpXcUA' },
      { label: 'page 20', path: '/api/v1/artifacts?limit=50&after=WyJza2lsbCIsInN2Zy1jaGVja2VyIl0.HNeB-ZMN83AV08AOQ-pmR_' },
    ]);
    await expect(resolveRequests(fixture.db, scenario([listRequest('page 99', { limit: 50, page: 99 })]), 42)).rejects.toThrow(/request page 99: the fixture has fewer than 98 pages/);
  });

  it('refuses a resolved value that is not a path of the service', async () => {
    const declared = scenario([{ label: 'absolute url', resolve: async () => ['http://example.com/api/v1/artifacts'] }]);
    await expect(resolveRequests(fixture.db, declared, 42)).rejects.toThrow(/request "absolute url": "http:\/\/example.com\/api\/v1\/artifacts" is not a path of the service \(it must start with \/, e\.g\./);
  });
});

describe('only GET is measured', () => {
  const posting = scenario([{ label: 'add member', method: 'POST', path: '/api/v1/collections/0123/artifacts' }]);

  it('refuses another method with a usage error that names the scenario, the request and why', () => {
    expect(() => checkRequests(posting)).toThrow(UsageError);
    expect(() => checkRequests(posting)).toThrow(
      'scenario declared, request "add member": method POST is not measured; only GET requests are timed (a write repeated in every round would change the fixture it measures)',
    );
    expect(() => checkRequests(scenario([{ label: 'read', method: 'GET', path: '/api/v1/artifacts' }]))).not.toThrow();
  });

  it('refuses it before anything is seeded or served (exit 2)', async () => {
    const file = join(testFolder('refused'), 'never-created.sqlite');
    const refused = run({
      dialects: ['sqlite'], impls: ['baseline', 'fixed'], implUnderTest: 'fixed', scenarios: [posting], profile: 'small', seed: 42,
      target: { sqliteFile: file }, sampling: QUICK_SAMPLING, thresholds: DEFAULT_THRESHOLDS, measureOverhead: false, plans: false,
      onProgress: () => {}, onSeedProgress: undefined,
    });
    await expect(refused).rejects.toMatchObject({ name: 'UsageError', exitCode: 2 });
    expect(existsSync(file)).toBe(false);
  });
});
