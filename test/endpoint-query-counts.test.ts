import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRecorder } from '../harness/instrument/query-recorder.js';
import type { ListResponse } from '../src/contract.js';
import { openTestFixture, TEST_DIALECTS, type TestFixture } from './support/databases.js';
import { LIST_PATH, listPath, type ListRequest } from './support/endpoint-list-request.js';
import { closeAll, startHttpEndpoint, type HttpEndpoint } from './support/http-endpoint.js';

/** The targets of the fix: at most this many queries per list and per detail request. */
const FIXED_LIST_MAX = 5;
const FIXED_DETAIL_MAX = 4;
/** The original problem: a page of 50 artifacts in about 2 collections each took 105-107 queries. */
const BASELINE_PAGE_OF_50_MIN = 100;

describe.each(TEST_DIALECTS)('queries per request on %s', (dialect) => {
  let fixture: TestFixture;
  let recorder: QueryRecorder;
  let baseline: HttpEndpoint;
  let fixed: HttpEndpoint;
  /** Every statement the knex instance ran, counted by a plain 'query' listener. */
  let statements = 0;
  const observed: string[] = [];

  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
    recorder = new QueryRecorder(fixture.db).attach();
    fixture.db.on('query', () => {
      statements += 1;
    });
    baseline = await startHttpEndpoint(fixture.db, 'baseline', { recorder });
    fixed = await startHttpEndpoint(fixture.db, 'fixed', { recorder });
  });
  afterAll(async () => {
    if (observed.length > 0) console.info(`queries per request on ${dialect}: ${observed.join('; ')}`);
    await closeAll([baseline, fixed].filter((e) => e !== undefined));
    await fixture?.close();
  });

  /**
   * One request, alone, and its query count. The request's own log must equal what a plain
   * listener on the knex instance saw meanwhile: no statement escaped the request's scope.
   */
  async function queriesOf(endpoint: HttpEndpoint, path: string): Promise<{ count: number; body: string }> {
    const before = statements;
    const unattributed = recorder.unattributed;
    const answer = await endpoint.send(path);
    expect(answer.status, `${endpoint.impl} GET ${path}: ${answer.body.slice(0, 200)}`).toBe(200);
    expect(answer.log.count, `${endpoint.impl} GET ${path}: request log vs knex listener`).toBe(statements - before);
    expect(recorder.unattributed).toBe(unattributed);
    return { count: answer.log.count, body: answer.body };
  }

  it(`baseline runs at least ${BASELINE_PAGE_OF_50_MIN} queries for a page of 50 artifacts in about 2 collections each`, async () => {
    const { count, body } = await queriesOf(baseline, listPath({ limit: 50 }));
    const page = JSON.parse(body) as ListResponse;
    const memberships = page.items.reduce((sum, item) => sum + item.collections.length, 0);
    observed.push(`baseline list limit=50: ${count} (${memberships} memberships)`);
    // The premise of the scenario: 50 artifacts averaging about 2 collections.
    expect(page.items.length).toBe(50);
    expect(memberships).toBeGreaterThanOrEqual(80);
    expect(memberships).toBeLessThanOrEqual(130);
    expect(count).toBeGreaterThanOrEqual(BASELINE_PAGE_OF_50_MIN);
    // The N+1: one COUNT(*) per membership on top of the page's own queries.
    expect(count).toBeGreaterThan(memberships);
  });

  it('baseline grows with the page size (the N+1), fixed does not', async () => {
    const baselineCounts: number[] = [];
    for (const limit of [1, 10, 100]) baselineCounts.push((await queriesOf(baseline, listPath({ limit }))).count);
    observed.push(`baseline list limit=1,10,100: ${baselineCounts.join(',')}`);
    expect(baselineCounts[1]).toBeGreaterThan(baselineCounts[0] ?? Infinity);
    expect(baselineCounts[2]).toBeGreaterThan(baselineCounts[1] ?? Infinity);
  });

  it(`fixed runs the same number of queries, at most ${FIXED_LIST_MAX}, at limits 1, 10, 50 and 100`, async () => {
    const counts: number[] = [];
    for (const limit of [1, 10, 50, 100]) counts.push((await queriesOf(fixed, listPath({ limit }))).count);
    observed.push(`fixed list limit=1,10,50,100: ${counts.join(',')}`);
    expect(Math.max(...counts)).toBeLessThanOrEqual(FIXED_LIST_MAX);
    expect(new Set(counts).size).toBe(1);
  });

  it(`fixed stays at most ${FIXED_LIST_MAX} queries with filters and on later pages`, async () => {
    const first = JSON.parse((await queriesOf(fixed, listPath({ limit: 100 }))).body) as ListResponse;
    const last = first.items[first.items.length - 1];
    if (last === undefined) throw new Error('empty first page');
    const collection = first.items.find((item) => item.collections.length > 0)?.collections[0]?.name ?? '';
    const tags = first.items.flatMap((item) => item.tags).slice(0, 3);
    const requests: ListRequest[] = [
      { limit: 100, after: last },
      { limit: 100, artifactType: 'skill' },
      { limit: 100, collection },
      { limit: 100, tags },
      { limit: 100, artifactType: 'command', collection, tags, after: { type: 'agent', name: 'a' } },
    ];
    const counts: number[] = [];
    for (const request of requests) counts.push((await queriesOf(fixed, listPath(request))).count);
    observed.push(`fixed list with filters/cursor: ${counts.join(',')}`);
    for (const [k, count] of counts.entries()) expect(count, listPath(requests[k] ?? {})).toBeLessThanOrEqual(FIXED_LIST_MAX);
  });

  it(`the detail costs fixed at most ${FIXED_DETAIL_MAX} queries and baseline more, for every sampled artifact`, async () => {
    const ids: { id: string }[] = await fixture.db('artifacts').select('id').orderBy('id');
    const sample = ids.filter((_, k) => k % 40 === 0).map((row) => row.id);
    const fixedCounts: number[] = [];
    const baselineCounts: number[] = [];
    for (const id of sample) {
      const path = `${LIST_PATH}/${encodeURIComponent(id)}`;
      const fixedCount = (await queriesOf(fixed, path)).count;
      const baselineCount = (await queriesOf(baseline, path)).count;
      expect(fixedCount, `fixed ${path}`).toBeLessThanOrEqual(FIXED_DETAIL_MAX);
      expect(baselineCount, `baseline ${path}`).toBeGreaterThan(fixedCount);
      fixedCounts.push(fixedCount);
      baselineCounts.push(baselineCount);
    }
    observed.push(
      `detail (${sample.length} ids): fixed ${Math.min(...fixedCounts)}-${Math.max(...fixedCounts)}, baseline ${Math.min(...baselineCounts)}-${Math.max(...baselineCounts)}`,
    );
    expect(sample.length).toBe(25);
  });
});
