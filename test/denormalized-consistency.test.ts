import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRecorder } from '../harness/instrument/query-recorder.js';
import { createRandom } from '../harness/stats/random.js';
import type { ListResponse } from '../src/contract.js';
import { createRequestHandler } from '../src/http/request-handler.js';
import { openTestFixture, TEST_DIALECTS, type Knex, type TestFixture } from './support/databases.js';
import { LIST_PATH, listPath, randomListRequest, type ListRequest } from './support/endpoint-list-request.js';
import { loadFixtureModel } from './support/endpoint-oracle.js';
import { mapConcurrently, startHttpEndpoint, TEST_CURSOR_SECRET } from './support/http-endpoint.js';

const SEED = 6_0001;
const OPERATIONS = 2000;
/** Artifacts the random writes draw from: few enough that adds and removes keep meeting. */
const ARTIFACT_POOL = 150;
const IMPLS = ['baseline', 'fixed', 'denormalized', 'floor'] as const;
const COLLECTIONS = '/api/v1/collections';
const UNKNOWN_COLLECTION = '0'.repeat(32);

interface Answer {
  status: number;
  body: string;
  contentType: string | undefined;
}

interface SendOptions {
  body?: string | Buffer;
  /** null sends no content-type header. @default 'application/json' */
  contentType?: string | null;
  /** Send the body in chunks without a content-length (transfer-encoding: chunked). */
  chunked?: boolean;
}

interface Served {
  readonly impl: string;
  send(method: string, path: string, options?: SendOptions): Promise<Answer>;
  close(): Promise<void>;
}

/** One implementation's handler on a real loopback server, and a keep-alive client that can send any header. */
async function serve(db: Knex, impl: string): Promise<Served> {
  const handler = createRequestHandler(db, impl, { cursorSecret: TEST_CURSOR_SECRET });
  const server = createServer((req, res) => void handler(req, res));
  // Idle keep-alive sockets stay open: the agent reuses them across tests (see http-endpoint.ts).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return {
    impl,
    send: (method, path, { body, contentType = 'application/json', chunked = false } = {}) =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = {};
        if (body !== undefined && contentType !== null) headers['content-type'] = contentType;
        if (chunked) headers['transfer-encoding'] = 'chunked';
        const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] }),
          );
        });
        req.on('error', reject);
        if (body !== undefined && chunked) {
          for (let k = 0; k < body.length; k += 1000) req.write(body.slice(k, k + 1000));
          req.end();
        } else req.end(body);
      }),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const addPath = (collectionId: string) => `${COLLECTIONS}/${collectionId}/artifacts`;
const removePath = (collectionId: string, artifactId: string) => `${COLLECTIONS}/${collectionId}/artifacts/${encodeURIComponent(artifactId)}`;
const addBody = (artifactId: string) => JSON.stringify({ artifact_id: artifactId });

async function storedCount(db: Knex, collectionId: string): Promise<number> {
  const row: { artifact_count: number | string } | undefined = await db('collections').where('id', collectionId).first('artifact_count');
  return Number(row?.artifact_count);
}

/** Collections whose stored count differs from COUNT(*) of their memberships. */
async function countMismatches(db: Knex): Promise<{ id: string; stored: number; counted: number }[]> {
  const rows: { id: string; stored: number | string; counted: number | string }[] = await db('collections as c').select(
    'c.id',
    'c.artifact_count as stored',
    db('collection_artifacts as ca').count('*').whereRaw('ca.collection_id = c.id').as('counted'),
  );
  return rows.map((r) => ({ id: r.id, stored: Number(r.stored), counted: Number(r.counted) })).filter((r) => r.stored !== r.counted);
}

describe.each(TEST_DIALECTS)('denormalized artifact_count and the membership write endpoints on %s', (dialect) => {
  let fixture: TestFixture;
  /** A pool of its own for the writes: 8 connections on Postgres, so 8 writes really run at once. */
  let writeDb: Knex;
  let servers: Served[];
  let denormalized: Served;
  let collectionIds: string[];
  /** A collection and an artifact that is not in it. */
  let collectionId: string;
  let outsider: string;

  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
    writeDb = dialect === 'postgres' ? fixture.adapter.connect(fixture.namespace, { pool: 8 }) : fixture.db;
    servers = [];
    for (const impl of IMPLS) servers.push(await serve(writeDb, impl));
    denormalized = servers.find((s) => s.impl === 'denormalized') as Served;
    collectionIds = (await fixture.db('collections').orderBy('id').select('id')).map((r: { id: string }) => r.id);
    collectionId = collectionIds[0] as string;
    const member = fixture.db('collection_artifacts').where('collection_id', collectionId).select('artifact_id');
    const row: { id: string } | undefined = await fixture.db('artifacts').whereNotIn('id', member).orderBy('id').first('id');
    outsider = row?.id ?? '';
  });
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.close()));
    await fixture?.close();
  });

  it('starts with every stored count equal to COUNT(*) (set by finishSchema after the bulk load)', async () => {
    expect(await countMismatches(fixture.db)).toEqual([]);
    const [row] = await fixture.db('collections').sum({ n: 'artifact_count' });
    const [all] = await fixture.db('collection_artifacts').count({ n: '*' });
    expect(Number(row?.n)).toBe(Number(all?.n));
  });

  it('adds a member with 201, then answers 200 without counting it twice', async () => {
    const before = await storedCount(fixture.db, collectionId);
    const added = await denormalized.send('POST', addPath(collectionId), { body: addBody(outsider) });
    expect(added.status, added.body).toBe(201);
    expect(added.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(added.body)).toEqual({ collection_id: collectionId, artifact_id: outsider, artifact_count: before + 1 });
    const again = await denormalized.send('POST', addPath(collectionId), { body: addBody(outsider), contentType: 'application/json; charset=utf-8' });
    expect(again.status, again.body).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ collection_id: collectionId, artifact_id: outsider, artifact_count: before + 1 });
    expect(await storedCount(fixture.db, collectionId)).toBe(before + 1);
  });

  it('removes a member with 204 and no body, idempotently', async () => {
    const before = await storedCount(fixture.db, collectionId);
    for (let k = 0; k < 2; k++) {
      const removed = await denormalized.send('DELETE', removePath(collectionId, outsider));
      expect(removed.status, removed.body).toBe(204);
      expect(removed.body).toBe('');
      expect(await storedCount(fixture.db, collectionId)).toBe(before - 1);
    }
    // An artifact that does not exist is not a member either.
    expect((await denormalized.send('DELETE', removePath(collectionId, 'skill:no-such-artifact'))).status).toBe(204);
    expect(await storedCount(fixture.db, collectionId)).toBe(before - 1);
  });

  it('writes the same through the handler of every implementation', async () => {
    const before = await storedCount(fixture.db, collectionId);
    for (const server of servers) {
      expect((await server.send('POST', addPath(collectionId), { body: addBody(outsider) })).status, server.impl).toBe(201);
      expect(await storedCount(fixture.db, collectionId)).toBe(before + 1);
      expect((await server.send('DELETE', removePath(collectionId, outsider))).status, server.impl).toBe(204);
      expect(await storedCount(fixture.db, collectionId)).toBe(before);
    }
  });

  it('answers 404 for an unknown collection or artifact, and changes nothing', async () => {
    const before = await storedCount(fixture.db, collectionId);
    const cases: [string, string, SendOptions, RegExp][] = [
      ['POST', addPath(UNKNOWN_COLLECTION), { body: addBody(outsider) }, /no collection with id/],
      ['DELETE', removePath(UNKNOWN_COLLECTION, outsider), {}, /no collection with id/],
      ['POST', addPath(collectionId), { body: addBody('skill:no-such-artifact') }, /no artifact with id "skill:no-such-artifact"/],
      ['POST', `${addPath(collectionId)}/extra/segments`, { body: addBody(outsider) }, /no route/],
    ];
    for (const [method, path, options, detail] of cases) {
      const answer = await denormalized.send(method, path, options);
      expect(answer.status, `${method} ${path}: ${answer.body}`).toBe(404);
      expect(JSON.parse(answer.body).detail).toMatch(detail);
    }
    expect(await storedCount(fixture.db, collectionId)).toBe(before);
  });

  it('answers 400 for bad ids, bad JSON and unexpected fields, with a detail that says what is accepted', async () => {
    const cases: [string, string, SendOptions, RegExp][] = [
      ['POST', addPath(collectionId.toUpperCase()), { body: addBody(outsider) }, /32 lowercase hexadecimal characters \(\^\[0-9a-f\]\{32\}\$\)/],
      ['POST', addPath(collectionId.slice(1)), { body: addBody(outsider) }, /32 lowercase hexadecimal/],
      ['DELETE', removePath(`${collectionId}0`, outsider), {}, /32 lowercase hexadecimal/],
      ['POST', addPath(collectionId), { body: '{"artifact_id": ' }, /not valid JSON/],
      ['POST', addPath(collectionId), { body: '' }, /not valid JSON/],
      ['POST', addPath(collectionId), { body: '["skill:x"]' }, /must be a JSON object/],
      ['POST', addPath(collectionId), { body: 'null' }, /must be a JSON object/],
      ['POST', addPath(collectionId), { body: '{}' }, /"artifact_id" must be a string/],
      ['POST', addPath(collectionId), { body: '{"artifact_id": 7}' }, /"artifact_id" must be a string/],
      ['POST', addPath(collectionId), { body: JSON.stringify({ artifact_id: outsider, position: 1 }) }, /unknown field "position"/],
      ['POST', addPath(collectionId), { body: addBody('skill') }, /artifact id must be "type:name"/],
      ['POST', addPath(collectionId), { body: addBody('widget:x') }, /artifact id must be "type:name"/],
      ['POST', addPath(collectionId), { body: addBody('skill:Upper Case') }, /artifact id must be "type:name"/],
      ['DELETE', `${addPath(collectionId)}/skill%3`, {}, /not valid percent-encoding/],
      ['DELETE', removePath(collectionId, 'skill:'), {}, /artifact id must be "type:name"/],
      ['DELETE', `${removePath(collectionId, outsider)}?force=1`, {}, /takes no query parameters/],
    ];
    for (const [method, path, options, detail] of cases) {
      const answer = await denormalized.send(method, path, options);
      expect(answer.status, `${method} ${path} ${String(options.body ?? '')}: ${answer.body}`).toBe(400);
      expect(JSON.parse(answer.body).detail, `${method} ${path}`).toMatch(detail);
    }
    const invalidUtf8 = await denormalized.send('POST', addPath(collectionId), { body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) });
    expect(invalidUtf8.status).toBe(400);
    expect(JSON.parse(invalidUtf8.body).detail).toMatch(/not valid UTF-8/);
  });

  it('answers 413 for a body over 4 KB, whether announced by content-length or chunked', async () => {
    const big = JSON.stringify({ artifact_id: outsider, padding: 'x'.repeat(5000) });
    for (const chunked of [false, true]) {
      const answer = await denormalized.send('POST', addPath(collectionId), { body: big, chunked });
      expect(answer.status, `chunked=${chunked}: ${answer.body}`).toBe(413);
      expect(JSON.parse(answer.body).detail).toMatch(/larger than 4096 bytes/);
    }
    // A body of exactly the limit is read (and here refused for its extra field, not its size).
    const padded = JSON.stringify({ artifact_id: outsider, p: '' });
    const exact = padded.replace('"p":""', `"p":"${'x'.repeat(4096 - padded.length)}"`);
    expect(Buffer.byteLength(exact)).toBe(4096);
    expect((await denormalized.send('POST', addPath(collectionId), { body: exact, chunked: true })).status).toBe(400);
    // The server still answers on the same keep-alive connections afterwards.
    expect((await denormalized.send('GET', `${LIST_PATH}?limit=1`)).status).toBe(200);
  });

  it('answers 415 for a body that is not declared application/json, and 405 for other methods', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', null]) {
      const answer = await denormalized.send('POST', addPath(collectionId), { body: addBody(outsider), contentType });
      expect(answer.status, `${String(contentType)}: ${answer.body}`).toBe(415);
      expect(JSON.parse(answer.body).detail).toMatch(/content-type must be application\/json/);
    }
    expect((await denormalized.send('GET', addPath(collectionId))).status).toBe(405);
    expect((await denormalized.send('PUT', removePath(collectionId, outsider), { body: '{}' })).status).toBe(405);
    expect((await denormalized.send('DELETE', addPath(collectionId))).status).toBe(405);
  });

  it('lists and details with denormalized in at most 4 queries and no aggregation of memberships', async () => {
    const recorder = new QueryRecorder(writeDb).attach();
    const recorded = await startHttpEndpoint(writeDb, 'denormalized', { recorder });
    try {
      const list = await recorded.send(listPath({ limit: 50 }));
      expect(list.status).toBe(200);
      expect(list.log.count).toBe(4);
      const detail = await recorded.send(`${LIST_PATH}/${encodeURIComponent(outsider)}`);
      expect(detail.status).toBe(200);
      expect(detail.log.count).toBe(3);
      for (const { sql } of [...list.log.queries, ...detail.log.queries]) {
        expect(sql.toLowerCase()).not.toMatch(/group by/);
        if (/count\(/i.test(sql)) expect(sql.toLowerCase()).not.toMatch(/collection_artifacts/);
      }
    } finally {
      await recorded.close();
      recorder.detach();
    }
  });

  it(
    `keeps every count exact through ${OPERATIONS} random adds and removes (${dialect === 'postgres' ? '8 in flight' : 'sequential'}), and all implementations then answer identically`,
    async () => {
      const random = createRandom(SEED);
      const artifactIds: string[] = (await fixture.db('artifacts').orderBy('id').select('id')).map((r: { id: string }) => r.id);
      const pool = Array.from({ length: ARTIFACT_POOL }, () => artifactIds[random.int(artifactIds.length)] as string);
      const memberships = new Set<string>(
        (await fixture.db('collection_artifacts').whereIn('artifact_id', pool).select('collection_id', 'artifact_id')).map(
          (m: { collection_id: string; artifact_id: string }) => `${m.collection_id} ${m.artifact_id}`,
        ),
      );
      const initial = await fixture.db('collections').orderBy('id').select('id', 'artifact_count');
      type Op = { kind: 'add' | 'remove'; collectionId: string; artifactId: string; server: Served };
      const ops: Op[] = Array.from({ length: OPERATIONS }, (_, k) => {
        const r = random.next();
        return {
          kind: random.next() < 0.5 ? 'add' : 'remove',
          collectionId: r < 0.02 ? UNKNOWN_COLLECTION : (collectionIds[random.int(collectionIds.length)] as string),
          artifactId: r > 0.98 ? `skill:no-such-${random.int(10)}` : (pool[random.int(pool.length)] as string),
          server: servers[k % servers.length] as Served,
        };
      });
      const sequential = dialect === 'sqlite';
      const statuses = await mapConcurrently(ops, sequential ? 1 : 8, async (op) => {
        const answer =
          op.kind === 'add'
            ? await op.server.send('POST', addPath(op.collectionId), { body: addBody(op.artifactId) })
            : await op.server.send('DELETE', removePath(op.collectionId, op.artifactId));
        const key = `${op.collectionId} ${op.artifactId}`;
        const unknown = op.collectionId === UNKNOWN_COLLECTION || (op.kind === 'add' && op.artifactId.includes('no-such'));
        const expected = unknown ? [404] : op.kind === 'remove' ? [204] : sequential ? [memberships.has(key) ? 200 : 201] : [200, 201];
        expect(expected, `${op.kind} ${key} via ${op.server.impl}: ${answer.body}`).toContain(answer.status);
        if (!unknown && op.kind === 'add') memberships.add(key);
        if (!unknown && op.kind === 'remove') memberships.delete(key);
        return answer.status;
      });
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(OPERATIONS / 10);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(OPERATIONS / 20);
      expect(statuses.filter((s) => s === 404).length).toBeGreaterThan(0);

      expect(await countMismatches(fixture.db)).toEqual([]);
      const after = await fixture.db('collections').orderBy('id').select('id', 'artifact_count');
      expect(after, 'the writes changed some counts').not.toEqual(initial);
      if (sequential) {
        const stored = await fixture.db('collection_artifacts').whereIn('artifact_id', pool).select('collection_id', 'artifact_id');
        expect(new Set(stored.map((m: { collection_id: string; artifact_id: string }) => `${m.collection_id} ${m.artifact_id}`))).toEqual(memberships);
      }

      // Every implementation now answers the same bytes: baseline and fixed count with COUNT(*),
      // denormalized and floor read the stored counts.
      const model = await loadFixtureModel(fixture.db);
      const requests: string[] = [
        ...model.collections.map((c) => listPath({ collection: c.name, limit: 100 })),
        ...Array.from({ length: 60 }, () => {
          const request = randomListRequest(random, model);
          return listPath(request, request.order);
        }),
        ...[...new Set(pool)].map((id) => `${LIST_PATH}/${encodeURIComponent(id)}`),
      ];
      // And a whole cursor walk of the largest collection.
      const largest = [...model.collections].sort((a, b) => (model.directCounts.get(b.id) ?? 0) - (model.directCounts.get(a.id) ?? 0))[0];
      let walk: ListRequest | undefined = { collection: largest?.name ?? '', limit: 40 };
      while (walk !== undefined) {
        const path = listPath(walk);
        requests.push(path);
        const page = JSON.parse((await (servers[0] as Served).send('GET', path)).body) as ListResponse;
        const last = page.items[page.items.length - 1];
        walk = page.page_info.has_next_page && last !== undefined ? { ...walk, after: { type: last.type, name: last.name } } : undefined;
      }
      await mapConcurrently(requests, 4, async (path) => {
        const [reference, ...others] = await Promise.all(servers.map((server) => server.send('GET', path)));
        expect([200, 404], `GET ${path}`).toContain(reference?.status);
        for (const [k, answer] of others.entries()) {
          expect({ status: answer.status, body: answer.body }, `${servers[k + 1]?.impl} differs from baseline on GET ${path}`).toEqual({
            status: reference?.status,
            body: reference?.body,
          });
        }
      });
      expect(requests.length).toBeGreaterThan(200);
    },
    300_000,
  );
});
