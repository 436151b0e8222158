import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBackChecksum } from '../harness/fixture-store/fixture-store.js';
import { createRandom } from '../harness/stats/random.js';
import type { ListResponse } from '../src/contract.js';
import { CursorCodec } from '../src/cursor.js';
import { openTestFixture, TEST_DIALECTS, type TestFixture } from './support/databases.js';
import { LIST_PATH, listPath, testCursor } from './support/endpoint-list-request.js';
import {
  closeAll,
  describeRequest,
  startAllHttpEndpoints,
  TEST_CURSOR_SECRET,
  type HttpEndpoint,
  type HttpExchange,
  type HttpRequest,
} from './support/http-endpoint.js';

/** What each 400 must tell the client: the rule it broke, so it learns what is accepted. */
const RULES = {
  limit: /'limit' must be an integer from 1 to 100/,
  after: /'after' is not a cursor issued by this API: pass page_info\.end_cursor/,
  artifact_type: /'artifact_type' must be one of agent, command, hook, mcp, skill/,
  collection: /'collection' must be a collection name/,
  tags: /'tags' must be 1-20 comma-separated tags/,
  id: /artifact id must be "type:name" with type one of agent, command, hook, mcp, skill/,
  unknownParameter: /unknown query parameter .*; accepted: limit, after, artifact_type, collection, tags/,
  repeated: /given more than once; give it once/,
  longUrl: /request URL longer than 4096 characters/,
  percentEncoding: /not valid percent-encoding/,
  route: /no route for .*; routes: GET \/api\/v1\/artifacts/,
  /** Below an artifact the handler names the path but not the routes (request-handler.ts). */
  subRoute: /^no route for \/api\/v1\/artifacts\//,
  method: /not allowed; use GET|no route/,
  notFound: /^no (artifact|collection|route)/,
} as const;

interface BadInput {
  name: string;
  request: HttpRequest;
  /** One status, or the statuses acceptable while routes are still being added (methods). */
  status: number | readonly number[];
  detail: RegExp;
}

const LIST_PARAMETERS = ['limit', 'after', 'artifact_type', 'collection', 'tags'] as const;
const SQL_AND_META = ["'", '";--', '%', '\\', '\0', 'ünïcødé ✓ 🚀', "' OR '1'='1", '1; DROP TABLE artifacts;--', '*/ UNION SELECT 1 /*'];
const TEN_KB = 'a'.repeat(10 * 1024);
const THREE_KB = 'b'.repeat(3 * 1024);

const list = (query: string): HttpRequest => ({ path: `${LIST_PATH}?${query}` });
const detail = (rawId: string): HttpRequest => ({ path: `${LIST_PATH}/${rawId}` });
const param = (key: string, value: string): HttpRequest => list(`${key}=${encodeURIComponent(value)}`);

/** A cursor we did not issue, in each of the ways a client could come by one. */
function foreignCursors(): [string, string][] {
  const issued = testCursor({ type: 'command', name: 'git-helper' });
  const dot = issued.indexOf('.');
  const swap = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
  const random = createRandom(7);
  const randomBase64 = Buffer.from(Array.from({ length: 48 }, () => random.int(256))).toString('base64url');
  const payload = Buffer.from('{"type":"skill"}').toString('base64url');
  // Signed with the test servers' secret but not a [type, name] pair: the decoder's last line of defence.
  const signedNonsense = `${payload}.${createHmac('sha256', TEST_CURSOR_SECRET).update(payload).digest('base64url').slice(0, 22)}`;
  return [
    ['random base64', randomBase64],
    ['random base64 with a made-up signature', `${randomBase64.slice(0, 30)}.${randomBase64.slice(30, 52)}`],
    ['an issued cursor with one payload character changed', swap(issued, 2)],
    ['an issued cursor with one signature character changed', swap(issued, issued.length - 1)],
    ['an issued cursor truncated by one character', issued.slice(0, -1)],
    ['an issued cursor without its signature', issued.slice(0, dot)],
    ['an issued cursor cut after the dot', issued.slice(0, dot + 1)],
    ['a cursor signed with another secret', new CursorCodec('another-secret').encode({ type: 'command', name: 'git-helper' })],
    ['a signed cursor whose payload is not [type, name]', signedNonsense],
    ['an empty cursor', ''],
    ['a 3 KB cursor', THREE_KB],
  ];
}

function badInputs(): BadInput[] {
  const cases: BadInput[] = [];
  const add = (name: string, request: HttpRequest, status: BadInput['status'], detail: RegExp) => cases.push({ name, request, status, detail });

  for (const limit of ['0', '101', 'abc', '-5', '1e9', '', '5.0', '0x10', ' 5', '+5', '1000', '99999999999999999999']) {
    add(`limit=${JSON.stringify(limit)}`, param('limit', limit), 400, RULES.limit);
  }
  add('limit given twice', list('limit=10&limit=20'), 400, RULES.repeated);
  add('the same filter given twice', list('artifact_type=skill&artifact_type=skill'), 400, RULES.repeated);
  for (const [name, cursor] of foreignCursors()) add(`after: ${name}`, param('after', cursor), 400, RULES.after);
  for (const type of ['widget', 'Skill', 'skills', 'skill ', '']) add(`artifact_type=${JSON.stringify(type)}`, param('artifact_type', type), 400, RULES.artifact_type);
  for (const id of ['skill', 'skill-no-colon', 'widget:foo', 'skill:', ':foo', 'skill:Foo', 'skill:-foo', `skill:${'a'.repeat(129)}`]) {
    add(`id ${JSON.stringify(id)}`, detail(encodeURIComponent(id)), 400, RULES.id);
  }
  add('tags with an empty tag', param('tags', 'a,,b'), 400, RULES.tags);
  add('tags: more than 20', param('tags', Array.from({ length: 21 }, (_, k) => `t${k}`).join(',')), 400, RULES.tags);
  add('collection with a leading space', param('collection', ' Frontend'), 400, RULES.collection);
  add('collection of 101 characters', param('collection', 'c'.repeat(101)), 400, RULES.collection);

  for (const key of LIST_PARAMETERS) {
    add(`10 KB ${key}`, param(key, TEN_KB), 400, RULES.longUrl);
    if (key !== 'after') add(`3 KB ${key}`, param(key, THREE_KB), 400, RULES[key]);
    for (const value of SQL_AND_META) add(`${key}=${JSON.stringify(value)}`, param(key, value), 400, RULES[key]);
  }
  add('10 KB id', detail(`skill:${TEN_KB}`), 400, RULES.longUrl);
  add('3 KB id', detail(`skill:${THREE_KB}`), 400, RULES.id);
  add('10 KB unknown parameter', param(TEN_KB, '1'), 400, RULES.longUrl);
  for (const value of SQL_AND_META) {
    add(`id skill:${JSON.stringify(value)}`, detail(encodeURIComponent(`skill:ok${value}`)), 400, RULES.id);
    add(`id ${JSON.stringify(value)}`, detail(encodeURIComponent(value)), 400, RULES.id);
  }

  // Values the validators let through must still reach the database as data, not as SQL.
  add('collection "x OR 1" (valid name, no such collection)', param('collection', 'x OR 1'), 404, RULES.notFound);
  add('collection "a--"', param('collection', 'a--'), 404, RULES.notFound);
  add('id skill:a--', detail('skill:a--'), 404, RULES.notFound);

  add('malformed percent-encoding in limit', list('limit=%zz'), 400, RULES.limit);
  add('malformed percent-encoding in collection', list('collection=%E0%A4%A'), 400, RULES.collection);
  add('a lone % in artifact_type', list('artifact_type=%'), 400, RULES.artifact_type);
  add('malformed percent-encoding in a key', list('%zz=1'), 400, RULES.unknownParameter);
  add('malformed percent-encoding in the id', detail('skill%3Afoo%zz'), 400, RULES.percentEncoding);
  add('truncated UTF-8 in the id', detail('skill:%E0%A4%A'), 400, RULES.percentEncoding);
  add('an encoded lone surrogate in the id', detail('skill:%ED%A0%80'), 400, RULES.percentEncoding);
  add('an encoded NUL in the id', detail('skill:%00'), 400, RULES.id);

  for (const key of ['page', 'sort', 'offset', 'LIMIT', 'limit[]', 'Limit', '']) add(`unknown parameter ${JSON.stringify(key)}`, list(`${encodeURIComponent(key)}=5`), 400, RULES.unknownParameter);
  add('a query string on the detail', { path: `${LIST_PATH}/skill:foo?limit=5` }, 400, /the detail endpoint takes no query parameters/);

  add('path traversal, encoded, as an id', detail('..%2F..%2Fetc%2Fpasswd'), 400, RULES.id);
  add('path traversal, raw', detail('../../etc/passwd'), 404, RULES.subRoute);
  add('a path below an artifact', detail('skill:foo/extra'), 404, RULES.subRoute);
  add('an unknown route', { path: '/api/v1/nothing' }, 404, RULES.route);
  add('the root', { path: '/' }, 404, RULES.route);

  // Write routes may arrive; until they do these are 405. Either way: a 4xx with a detail, no write.
  add('POST on the list', { method: 'POST', path: LIST_PATH }, [404, 405], RULES.method);
  add('POST on the list with a body that is not JSON', { method: 'POST', path: LIST_PATH, body: '{"name": ' }, [400, 404, 405, 415], /./);
  add('PUT on an unknown artifact', { method: 'PUT', path: `${LIST_PATH}/skill:no-such-artifact`, body: 'not json' }, [400, 404, 405, 415], /./);
  add('DELETE on an unknown artifact', { method: 'DELETE', path: `${LIST_PATH}/skill:no-such-artifact` }, [404, 405], /./);
  add('OPTIONS on the list', { method: 'OPTIONS', path: LIST_PATH }, [404, 405], RULES.method);
  return cases;
}

describe.each(TEST_DIALECTS)('bad input on %s: a 400 or 404 with a JSON detail saying what is accepted', (dialect) => {
  let fixture: TestFixture;
  let endpoints: HttpEndpoint[];
  let checksumBefore: string;
  let normalBefore: HttpExchange;

  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
    endpoints = await startAllHttpEndpoints(fixture.db);
    checksumBefore = await readBackChecksum(fixture.db);
    normalBefore = await (endpoints[0] as HttpEndpoint).send(listPath({ limit: 50 }));
  });
  afterAll(async () => {
    await closeAll(endpoints);
    await fixture?.close();
  });

  /** The request to every implementation: all must answer the expected status and detail, identically. */
  async function expectRejected(request: HttpRequest, status: BadInput['status'], rule: RegExp): Promise<void> {
    const answers = await Promise.all(endpoints.map((endpoint) => endpoint.send(request)));
    const statuses = typeof status === 'number' ? [status] : status;
    for (const [k, answer] of answers.entries()) {
      const context = `${endpoints[k]?.impl} ${describeRequest(request)} answered ${answer.status} ${answer.body.slice(0, 300)}`;
      expect(statuses, context).toContain(answer.status);
      expect(answer.contentType, context).toMatch(/^application\/json/);
      const body = JSON.parse(answer.body) as unknown;
      expect(body, context).toEqual({ detail: expect.stringMatching(rule) });
      expect(answer.body, `${context}: differs from baseline`).toBe(answers[0]?.body);
    }
  }

  it.each(badInputs().map((c) => [c.name, c] as const))('%s', async (_, { request, status, detail }) => {
    await expectRejected(request, status, detail);
  });

  it('does not read "_" in a collection or tag filter as a LIKE wildcard', async () => {
    const collections: { name: string }[] = await fixture.db('collections').select('name');
    const tags: { name: string }[] = await fixture.db('tags').select('name');
    const real = collections.map((c) => c.name).find((name) => /^[A-Za-z0-9]{2}/.test(name)) ?? '';
    const wildcard = `${real.slice(0, 1)}_${real.slice(2)}`;
    expect(collections.map((c) => c.name)).not.toContain(wildcard);
    await expectRejected({ path: listPath({ collection: wildcard }) }, 404, /no collection named/);
    const tag = tags.map((t) => t.name).find((name) => name.length > 2) ?? '';
    const tagWildcard = `${tag.slice(0, 1)}_${tag.slice(2)}`;
    expect(tags.map((t) => t.name)).not.toContain(tagWildcard);
    for (const endpoint of endpoints) {
      const answer = await endpoint.send(listPath({ tags: [tagWildcard] }));
      expect(answer.status, endpoint.impl).toBe(200);
      expect((JSON.parse(answer.body) as ListResponse).page_info.total_count, endpoint.impl).toBe(0);
    }
  });

  it('still answers a normal request as before, with the data unchanged and no handler rejection', async () => {
    for (const endpoint of endpoints) {
      const after = await endpoint.send(listPath({ limit: 50 }));
      expect({ status: after.status, body: after.body }, endpoint.impl).toEqual({ status: 200, body: normalBefore.body });
    }
    expect(normalBefore.status).toBe(200);
    expect(await readBackChecksum(fixture.db)).toBe(checksumBefore);
    expect(endpoints.flatMap((endpoint) => endpoint.crashes)).toEqual([]);
  });
});
