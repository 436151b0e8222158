import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRecorder } from '../harness/instrument/query-recorder.js';
import { createRandom } from '../harness/stats/random.js';
import type { ListResponse } from '../src/contract.js';
import { openTestFixture, TEST_DIALECTS, type TestFixture } from './support/databases.js';
import { LIST_PATH, listPath, randomListRequest, type ListRequest } from './support/endpoint-list-request.js';
import { loadFixtureModel, type FixtureModel } from './support/endpoint-oracle.js';
import { closeAll, mapConcurrently, startHttpEndpoint, type HttpEndpoint } from './support/http-endpoint.js';

const SEED = 7_7001;
const RANDOM_LIST_REQUESTS = 200;

describe.each(TEST_DIALECTS)('floor answers like baseline, in one statement, on %s', (dialect) => {
  let fixture: TestFixture;
  let model: FixtureModel;
  let recorder: QueryRecorder;
  let baseline: HttpEndpoint;
  let floor: HttpEndpoint;

  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
    model = await loadFixtureModel(fixture.db);
    recorder = new QueryRecorder(fixture.db).attach();
    baseline = await startHttpEndpoint(fixture.db, 'baseline');
    floor = await startHttpEndpoint(fixture.db, 'floor', { recorder });
  });
  afterAll(async () => {
    recorder?.detach();
    await closeAll([baseline, floor].filter((e) => e !== undefined));
    await fixture?.close();
  });

  /** Both answers, which must be the same bytes; floor's in exactly one statement. */
  async function compare(path: string): Promise<ListResponse | null> {
    const [reference, answer] = await Promise.all([baseline.send(path), floor.send(path)]);
    expect({ status: answer.status, body: answer.body }, `floor differs from baseline on GET ${path}`).toEqual({
      status: reference.status,
      body: reference.body,
    });
    expect(answer.log.count, `statements of GET ${path}`).toBe(1);
    return answer.status === 200 && path.startsWith(`${LIST_PATH}?`) ? (JSON.parse(answer.body) as ListResponse) : null;
  }

  it('answers random list requests (filters, limits, cursors, unknown collections) with the same bytes', async () => {
    const random = createRandom(SEED);
    const requests = Array.from({ length: RANDOM_LIST_REQUESTS }, () => randomListRequest(random, model));
    const pages = await mapConcurrently(requests, 4, (request) => compare(listPath(request, request.order)));
    expect(pages.filter((page) => page !== null && page.items.length > 0).length).toBeGreaterThan(RANDOM_LIST_REQUESTS / 2);
    expect(pages).toContain(null);
    expect(floor.crashes).toEqual([]);
  }, 120_000);

  it('walks whole lists page by page with the cursors it issues, unfiltered and filtered', async () => {
    const largest = [...model.collections].sort((a, b) => (model.directCounts.get(b.id) ?? 0) - (model.directCounts.get(a.id) ?? 0))[0];
    const walks: ListRequest[] = [
      { limit: 23 },
      { limit: 100, artifactType: 'skill' },
      { limit: 9, collection: largest?.name ?? '' },
      { limit: 13, tags: model.tagNames.slice(0, 3), artifactType: 'agent' },
    ];
    for (const start of walks) {
      let request: ListRequest | undefined = start;
      let pages = 0;
      let items = 0;
      let total = -1;
      while (request !== undefined) {
        const page = await compare(listPath(request));
        if (page === null) throw new Error(`GET ${listPath(request)} was not a page`);
        pages += 1;
        items += page.items.length;
        total = page.page_info.total_count;
        const last = page.items[page.items.length - 1];
        request = page.page_info.has_next_page && last !== undefined ? { ...start, after: { type: last.type, name: last.name } } : undefined;
      }
      expect(items, `items walked from ${listPath(start)}`).toBe(total);
      expect(pages, `pages of ${listPath(start)}`).toBeGreaterThan(1);
    }
  }, 120_000);

  it('answers an empty page past the end with the total count, and a 404 for an unknown collection', async () => {
    const past = await compare(listPath({ limit: 5, after: { type: 'zzz', name: '' } }));
    expect(past?.items).toEqual([]);
    expect(past?.page_info.total_count).toBe(model.artifacts.length);
    await compare(listPath({ collection: 'No Such Collection' }));
    await compare(listPath({ tags: ['no-such-tag'] }));
  });

  it('answers details (known and unknown artifacts) with the same bytes', async () => {
    const random = createRandom(SEED + 1);
    const ids = Array.from({ length: 100 }, () => model.artifacts[random.int(model.artifacts.length)]?.id ?? '');
    await mapConcurrently([...ids, 'skill:no-such-artifact'], 4, (id) => compare(`${LIST_PATH}/${encodeURIComponent(id)}`));
  }, 60_000);
});
