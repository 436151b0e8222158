import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueryRecorder, type RequestLog } from '../harness/instrument/query-recorder.js';
import { CursorCodec } from '../src/cursor.js';
import { fixedInjectedN1 } from '../harness/bench/injected-regressions.js';
import { baseline } from '../src/impl/baseline.js';
import { openTestFixture, TEST_DIALECTS, testFolder, type TestFixture } from './support/databases.js';
import { countArtifacts } from './support/statement-helper.js';

describe.each(TEST_DIALECTS)('query recorder on %s', (dialect) => {
  let fixture: TestFixture;
  let recorder: QueryRecorder;
  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
    recorder = new QueryRecorder(fixture.db).attach();
  });
  afterEach(() => {
    recorder.captureCallSites = false;
  });
  afterAll(async () => {
    recorder?.detach();
    await fixture?.close();
  });

  const own = (log: RequestLog) => log.queries.filter((q) => !q.transactionControl);

  it('counts exactly the statements issued inside record(), none from outside', async () => {
    const before = recorder.unattributed;
    await fixture.db.raw('select 1 as outside_before');
    const { value, log } = await recorder.record(async () => {
      await fixture.db('artifacts').count({ n: '*' });
      await fixture.db('collections').select('id').limit(3);
      return 'done';
    });
    await fixture.db.raw('select 2 as outside_after');
    expect(value).toBe('done');
    expect(log.count).toBe(2);
    expect(log.queries.map((q) => q.method)).toEqual(['select', 'select']);
    expect(log.queries.some((q) => q.sql.includes('outside'))).toBe(false);
    expect(recorder.unattributed - before).toBe(2);
    expect(log.pending.size).toBe(0);
  });

  it('keeps 20 concurrent requests apart, each log holding exactly its own statements', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => i + 1);
    const outcomes = await Promise.all(
      requests.map((n) =>
        recorder.record(async () => {
          for (let k = 0; k < n; k++) {
            // A marker per request and statement, so a stray statement would be recognised.
            await fixture.db.raw(`select ? as r${n}_q${k}`, [k]);
            // Interleave with timers and bare awaits so the requests overlap in time.
            if ((n + k) % 3 === 0) await sleep((n * 7 + k) % 5);
            else await Promise.resolve();
          }
          return n;
        }),
      ),
    );
    for (const { value: n, log } of outcomes) {
      expect(log.count).toBe(n);
      expect(log.queries.map((q) => q.sql)).toEqual(Array.from({ length: n }, (_, k) => `select ${dialect === 'postgres' ? `$1` : '?'} as r${n}_q${k}`));
      expect(log.pending.size).toBe(0);
    }
  });

  it('counts BEGIN and COMMIT of a transaction, flagged apart, and leaves no timing state', async () => {
    const { log } = await recorder.record(() =>
      fixture.db.transaction(async (trx) => {
        await trx('artifacts').count({ n: '*' });
        await trx('tags').select('id').limit(1);
      }),
    );
    expect(log.count).toBe(4);
    expect(log.queries.map((q) => q.transactionControl)).toEqual([true, false, false, true]);
    expect(log.queries[0]?.sql).toMatch(/^begin/i);
    expect(log.queries[3]?.sql).toMatch(/^commit/i);
    expect(log.queries[0]?.method).toBeNull();
    expect(own(log)).toHaveLength(2);
    expect(log.pending.size).toBe(0);
  });

  it('counts ROLLBACK when a transaction fails, with the failing statement and its error', async () => {
    const log = await recordFailing(recorder, () =>
      fixture.db.transaction(async (trx) => {
        await trx('artifacts').count({ n: '*' });
        await trx('no_such_table').select('*');
      }),
    );
    expect(log.queries.map((q) => q.transactionControl)).toEqual([true, false, false, true]);
    expect(log.queries[3]?.sql).toMatch(/^rollback/i);
    expect(log.queries[2]?.error).toMatch(/no_such_table/);
    expect(log.queries[1]?.error).toBeNull();
    expect(log.pending.size).toBe(0);
  });

  it('times normal statements with non-negative durations and counts the rows they return', async () => {
    const { log } = await recorder.record(async () => {
      await fixture.db('artifacts').select('id').orderBy('id').limit(7);
      await fixture.db('artifacts').where('id', 'no such id').first('id');
      await fixture.db.raw('select id from artifacts order by id limit 3');
    });
    expect(log.queries.map((q) => q.rows)).toEqual([7, 0, 3]);
    expect(log.rows).toBe(10);
    for (const q of log.queries) {
      expect(typeof q.durationMs).toBe('number');
      expect(q.durationMs).toBeGreaterThanOrEqual(0);
      expect(q.error).toBeNull();
    }
    expect(log.dbTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('records a failing statement with its error', async () => {
    const log = await recordFailing(recorder, async () => {
      await fixture.db('no_such_table').select('*');
    });
    expect(log.count).toBe(1);
    expect(log.queries[0]?.error).toMatch(/no_such_table/);
    expect(log.queries[0]?.rows).toBeNull();
    expect(log.queries[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(log.pending.size).toBe(0);
  });

  it('attributes a builder to the context where it is awaited, not where it was built', async () => {
    // knex builders are lazy: the statement is compiled and sent only when the builder is
    // awaited (its then() is called). A builder created inside a request but returned un-awaited
    // and awaited outside therefore runs outside: it is not the request's statement, and it counts
    // as unattributed. This is the "builder returned un-awaited out of the context" pitfall: the
    // recorder cannot see where a builder was made, only where it ran; code under measurement
    // must await its queries inside the handler (src/ does).
    const before = recorder.unattributed;
    const { value: escaped, log: creator } = await recorder.record(async () => ({ builder: fixture.db('artifacts').count({ n: '*' }) }));
    expect(creator.count).toBe(0);
    await escaped.builder;
    expect(recorder.unattributed - before).toBe(1);

    // And the other way round: built outside, awaited inside a request, it is that request's.
    const built = fixture.db('collections').count({ n: '*' });
    const { log: awaiter } = await recorder.record(async () => built);
    expect(awaiter.count).toBe(1);
    expect(awaiter.queries[0]?.sql).toMatch(/count\(\*\)/i);
  });

  it('points call sites into src/ when captureCallSites is on', async () => {
    recorder.captureCallSites = true;
    const cursors = new CursorCodec('test');
    const query = { limit: 20, after: null, artifactType: null, collection: null, tags: null };
    const { value, log } = await recorder.record(() => baseline.listArtifacts(fixture.db, query, cursors));
    expect(value.items).toHaveLength(20);
    const counts = log.queries.filter((q) => /count\(\*\)/i.test(q.sql) && /collection_id/.test(q.sql));
    expect(counts.length).toBeGreaterThanOrEqual(3);
    for (const q of counts) expect(q.callSite).toMatch(/src\/impl\/baseline\.ts:\d+/);
    for (const q of log.queries) expect(q.callSite).toMatch(/^src\/impl\/[\w-]+\.ts:\d+$/);
  });

  it('points a statement issued outside src/ at its own file and line, not at the src/ frame that called it', async () => {
    recorder.captureCallSites = true;
    const { log } = await recorder.record(() => countArtifacts(fixture.db));
    expect(log.queries.map((q) => q.callSite)).toEqual([`test/support/statement-helper.ts:${lineOf('test/support/statement-helper.ts', "// the helper's statement")}`]);

    // The injected N+1 of the benches: its per-artifact statement is its own, not listWith's (src/impl/artifact-page.ts).
    const query = { limit: 5, after: null, artifactType: null, collection: null, tags: null };
    const { log: injected } = await recorder.record(() => fixedInjectedN1.listArtifacts(fixture.db, query, new CursorCodec('test')));
    const lazy = injected.queries.filter((q) => /where .?id.? = /i.test(q.sql) && /from .?artifacts.?\s/i.test(q.sql));
    expect(lazy).toHaveLength(5);
    const line = lineOf('harness/bench/injected-regressions.ts', "for (const row of rows) await db('artifacts')");
    for (const q of lazy) expect(q.callSite).toBe(`harness/bench/injected-regressions.ts:${line}`);
  });

  it('points a statement of the baseline at its exact line in src/', async () => {
    recorder.captureCallSites = true;
    const query = { limit: 5, after: null, artifactType: null, collection: null, tags: null };
    const { log } = await recorder.record(() => baseline.listArtifacts(fixture.db, query, new CursorCodec('test')));
    const counts = log.queries.filter((q) => /count\(\*\)/i.test(q.sql) && /collection_id/.test(q.sql));
    expect(counts.length).toBeGreaterThanOrEqual(3);
    const line = lineOf('src/impl/baseline.ts', ".where('collection_id', m.collection_id).count(");
    for (const q of counts) expect(q.callSite).toBe(`src/impl/baseline.ts:${line}`);
  });

  it('points a statement issued from a revision that run --against exported at the path inside that revision, with its sha', async () => {
    recorder.captureCallSites = true;
    const sha = '181b013c7f6461dd7ef65bc48aa3f16aef91da1b';
    const dir = join(testFolder('revision-copy'), 'reports', 'out', '.revisions', sha, 'src', 'impl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lazy.mjs'), "export async function lazy(db) {\n  return await db('tags').select('id').limit(1);\n}\n");
    const module = (await import(pathToFileURL(join(dir, 'lazy.mjs')).href)) as { lazy: (db: unknown) => Promise<unknown> };
    const { log } = await recorder.record(async () => module.lazy(fixture.db));
    expect(log.queries.map((q) => q.callSite)).toEqual(['181b013c7f64:src/impl/lazy.mjs:2']);
  });

  it('captures no call sites when captureCallSites is off', async () => {
    const { log } = await recorder.record(async () => fixture.db('artifacts').count({ n: '*' }));
    expect(log.queries[0]?.callSite).toBeNull();
  });
});

/** Runs fn as a request that is expected to throw, and returns its log. */
async function recordFailing(recorder: QueryRecorder, fn: () => Promise<unknown>): Promise<RequestLog> {
  let captured: RequestLog | undefined;
  await expect(
    recorder.record(async () => {
      captured = recorder.current();
      return fn();
    }),
  ).rejects.toThrow(/no_such_table/);
  if (captured === undefined) throw new Error('record() did not set up a request log');
  return captured;
}

/** The 1-based line of the checkout's `file` that holds `text` (exactly one does). */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(join(import.meta.dirname, '..', file), 'utf8').split('\n');
  const found = lines.flatMap((line, i) => (line.includes(text) ? [i + 1] : []));
  expect(found, `${file} holds ${JSON.stringify(text)} once`).toHaveLength(1);
  return found[0] as number;
}
