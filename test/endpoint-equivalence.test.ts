import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../harness/stats/random.js';
import type { ArtifactItem, ListResponse } from '../src/contract.js';
import type { ArtifactRow } from '../src/schema.js';
import { openTestFixture, TEST_DIALECTS, type TestFixture } from './support/databases.js';
import { LIST_PATH, listPath, randomListRequest, testCursor, type ListRequest } from './support/endpoint-list-request.js';
import { compareKeys, directArtifactCount, expectedItem, expectedList, loadFixtureModel, type FixtureModel } from './support/endpoint-oracle.js';
import { closeAll, mapConcurrently, startAllHttpEndpoints, type HttpEndpoint, type HttpExchange } from './support/http-endpoint.js';

const SEED = 20_240_611;
const RANDOM_LIST_REQUESTS = 150;

describe.each(TEST_DIALECTS)('every implementation answers byte-identically to baseline on %s', (dialect) => {
  let fixture: TestFixture;
  let model: FixtureModel;
  let rowById: Map<string, ArtifactRow>;
  let endpoints: HttpEndpoint[];

  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
    model = await loadFixtureModel(fixture.db);
    rowById = new Map(model.artifacts.map((row) => [row.id, row]));
    endpoints = await startAllHttpEndpoints(fixture.db);
  });
  afterAll(async () => {
    await closeAll(endpoints);
    await fixture?.close();
  });

  /** Sends the path to every implementation and returns baseline's answer once all agree with it. */
  async function sendToAll(path: string): Promise<HttpExchange> {
    const [reference, ...others] = await Promise.all(endpoints.map((endpoint) => endpoint.send(path)));
    if (reference === undefined) throw new Error('no endpoints');
    expect(reference.contentType, `GET ${path}`).toMatch(/^application\/json/);
    for (const [k, answer] of others.entries()) {
      const impl = endpoints[k + 1]?.impl;
      expect({ status: answer.status, body: answer.body }, `${impl} differs from baseline on GET ${path}`).toEqual({
        status: reference.status,
        body: reference.body,
      });
    }
    return reference;
  }

  function expectItemsMatchData(items: readonly ArtifactItem[], context: string): void {
    for (const item of items) {
      const row = rowById.get(item.id);
      expect(row, `${context}: unknown id ${item.id}`).toBeDefined();
      if (row !== undefined) expect(item, `${context}: item ${item.id}`).toEqual(expectedItem(model, row));
    }
  }

  function expectListMatchesData(exchange: HttpExchange, request: ListRequest, path: string): void {
    const expected = expectedList(model, request);
    expect(exchange.status, `GET ${path}: ${exchange.body.slice(0, 300)}`).toBe(expected.status);
    if (expected.status !== 200) {
      expect(JSON.parse(exchange.body), `GET ${path}`).toEqual({ detail: expect.stringMatching(/no collection named/) });
      return;
    }
    const page = JSON.parse(exchange.body) as ListResponse;
    expect(page.items.map((item) => item.id), `GET ${path}: ids`).toEqual(expected.ids);
    const first = page.items[0];
    const last = page.items[page.items.length - 1];
    expect(page.page_info, `GET ${path}: page_info`).toEqual({
      has_next_page: expected.hasNextPage,
      has_previous_page: request.after !== undefined,
      start_cursor: first === undefined ? null : testCursor(first),
      end_cursor: last === undefined ? null : testCursor(last),
      total_count: expected.totalCount,
    });
    expectItemsMatchData(page.items, `GET ${path}`);
  }

  it('answers random list requests (filters, combinations, limits 1..100, cursors) identically and as the data says', async () => {
    const random = createRandom(SEED);
    const requests = Array.from({ length: RANDOM_LIST_REQUESTS }, () => randomListRequest(random, model));
    const statuses = await mapConcurrently(requests, 4, async (request) => {
      const path = listPath(request, request.order);
      const answer = await sendToAll(path);
      expectListMatchesData(answer, request, path);
      return answer.status;
    });
    // The generator must have produced both outcomes, or this test proved less than it claims.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(RANDOM_LIST_REQUESTS / 2);
    expect(statuses).toContain(404);
  }, 180_000);

  it.each([37, 100])(
    'walks the whole table with limit %i: every artifact exactly once, in (type, name) byte order',
    async (limit) => {
      const seen: ArtifactItem[] = [];
      const lastPages: boolean[] = [];
      const totals = new Set<number>();
      let after: { type: string; name: string } | undefined;
      for (let pages = 0; pages < 1000; pages++) {
        const request: ListRequest = after === undefined ? { limit } : { limit, after };
        const path = listPath(request);
        const answer = await sendToAll(path);
        expectListMatchesData(answer, request, path);
        const page = JSON.parse(answer.body) as ListResponse;
        seen.push(...page.items);
        totals.add(page.page_info.total_count);
        lastPages.push(!page.page_info.has_next_page);
        if (!page.page_info.has_next_page) break;
        const last = page.items[page.items.length - 1];
        if (last === undefined) throw new Error(`GET ${path}: has_next_page with an empty page`);
        // The cursor the server issued, not one of ours, carries the walk on.
        expect(page.page_info.end_cursor).toBe(testCursor(last));
        after = last;
      }
      expect(seen.length).toBe(model.artifacts.length);
      expect(new Set(seen.map((item) => item.id)).size).toBe(model.artifacts.length);
      for (let k = 1; k < seen.length; k++) {
        expect(compareKeys(seen[k - 1] as ArtifactItem, seen[k] as ArtifactItem), `order at ${k}`).toBeLessThan(0);
      }
      expect([...totals]).toEqual([model.artifacts.length]);
      expect(lastPages.length).toBe(Math.ceil(model.artifacts.length / limit));
      expect(lastPages.indexOf(true)).toBe(lastPages.length - 1);
    },
    120_000,
  );

  it('walks a filtered list (the largest collection, then two tags and a type) page by page to its end', async () => {
    const largest = [...model.collections].sort((a, b) => (model.directCounts.get(b.id) ?? 0) - (model.directCounts.get(a.id) ?? 0))[0];
    const filters: ListRequest[] = [
      { collection: largest?.name ?? '', limit: 7 },
      { tags: model.tagNames.slice(0, 2), artifactType: 'skill', limit: 11 },
    ];
    for (const filter of filters) {
      let request: ListRequest = filter;
      let pages = 0;
      for (;;) {
        const path = listPath(request);
        const answer = await sendToAll(path);
        expectListMatchesData(answer, request, path);
        const page = JSON.parse(answer.body) as ListResponse;
        pages += 1;
        const last = page.items[page.items.length - 1];
        if (!page.page_info.has_next_page || last === undefined) break;
        request = { ...filter, after: last };
      }
      expect(pages, `pages of ${listPath(filter)}`).toBeGreaterThan(2);
    }
  }, 120_000);

  it('answers an empty page after the last artifact: no cursors, no next page, the same total', async () => {
    const last = model.artifacts[model.artifacts.length - 1] as ArtifactRow;
    const request: ListRequest = { limit: 5, after: last };
    const path = listPath(request);
    const answer = await sendToAll(path);
    expectListMatchesData(answer, request, path);
    expect(JSON.parse(answer.body)).toEqual({
      items: [],
      page_info: { has_next_page: false, has_previous_page: true, start_cursor: null, end_cursor: null, total_count: model.artifacts.length },
    });
  });

  it('answers the detail of every artifact identically, equal to the data', async () => {
    const ids = model.artifacts.map((row) => row.id);
    await mapConcurrently(ids, 8, async (id, k) => {
      // Both spellings of the id: the colon percent-encoded and as it is.
      const path = `${LIST_PATH}/${k % 2 === 0 ? encodeURIComponent(id) : id}`;
      const answer = await sendToAll(path);
      expect(answer.status, `GET ${path}: ${answer.body.slice(0, 300)}`).toBe(200);
      const row = rowById.get(id) as ArtifactRow;
      expect(answer.body, `GET ${path}`).toBe(JSON.stringify(expectedItem(model, row)));
    });
  }, 180_000);

  it('answers a detail with the same bytes as the item in the list', async () => {
    const page = JSON.parse((await sendToAll(listPath({ limit: 100, artifactType: 'agent' }))).body) as ListResponse;
    expect(page.items.length).toBeGreaterThan(10);
    for (const item of page.items) {
      const detail = await sendToAll(`${LIST_PATH}/${encodeURIComponent(item.id)}`);
      expect(detail.body).toBe(JSON.stringify(item));
    }
  }, 120_000);

  it('reports every artifact_count equal to a direct COUNT(*) of collection_artifacts', async () => {
    const counted = new Map<string, number>();
    let refs = 0;
    let request: ListRequest = { limit: 100 };
    for (;;) {
      const page = JSON.parse((await sendToAll(listPath(request))).body) as ListResponse;
      for (const item of page.items) {
        for (const ref of item.collections) {
          if (!counted.has(ref.id)) counted.set(ref.id, await directArtifactCount(fixture.db, ref.id));
          expect(ref.artifact_count, `${item.id} in ${ref.id}`).toBe(counted.get(ref.id));
          refs += 1;
        }
      }
      const last = page.items[page.items.length - 1];
      if (!page.page_info.has_next_page || last === undefined) break;
      request = { limit: 100, after: last };
    }
    expect(refs).toBeGreaterThanOrEqual(model.artifacts.length);
    expect(counted.size).toBe(model.collections.length);
  }, 120_000);

  it('lists collections by name and tags sorted in every item', async () => {
    const page = JSON.parse((await sendToAll(listPath({ limit: 100 }))).body) as ListResponse;
    const byteSorted = (names: readonly string[]) => [...names].sort((a, b) => compareKeys({ type: '', name: a }, { type: '', name: b }));
    for (const item of page.items) {
      expect(item.tags).toEqual(byteSorted(item.tags));
      expect(item.collections.map((c) => c.name)).toEqual(byteSorted(item.collections.map((c) => c.name)));
    }
    expect(page.items.some((item) => item.collections.length > 1 && item.tags.length > 1)).toBe(true);
  });

  it('answers 404 with a JSON detail for an unknown artifact and for an unknown collection filter', async () => {
    const artifact = await sendToAll(`${LIST_PATH}/${encodeURIComponent('skill:no-such-artifact')}`);
    expect(artifact.status).toBe(404);
    expect(JSON.parse(artifact.body)).toEqual({ detail: expect.stringContaining('skill:no-such-artifact') });
    const collection = await sendToAll(listPath({ collection: 'No Such Collection' }));
    expect(collection.status).toBe(404);
    expect(JSON.parse(collection.body)).toEqual({ detail: expect.stringContaining('No Such Collection') });
    // Combined with other filters and a cursor, still a 404 rather than an empty page.
    const combined = await sendToAll(listPath({ collection: 'No Such Collection', artifactType: 'skill', after: { type: 'agent', name: 'a' } }));
    expect(combined.status).toBe(404);
  });

  it('leaves no handler rejection behind', () => {
    expect(endpoints.flatMap((endpoint) => endpoint.crashes)).toEqual([]);
  });
});
