import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openFixture, writesSinceSeeding } from '../harness/fixture-store/fixture-store.js';
import { openTestAdapter, testFolder, TEST_DIALECTS } from './support/databases.js';
import { runCli, showExit } from './support/run-cli.js';
import { startHttpEndpoint } from './support/http-endpoint.js';

/**
 * A fixture is what its checksum says: a fixture changed after seeding (through serve's write
 * endpoints, or behind the harness's back) is never reused silently under the seeded checksum.
 */
describe.each(TEST_DIALECTS)('reusing a fixture on %s', (dialect) => {
  it('reuses an unchanged fixture, and rebuilds one changed through the write endpoints, saying why', async () => {
    const adapter = await openTestAdapter(dialect);
    try {
      const seeded = await openFixture({ adapter, profile: 'small', seed: 42 });
      expect(seeded.reused).toBe(false);
      expect(await writesSinceSeeding(seeded.db)).toBe(0);
      const again = await openFixture({ adapter, profile: 'small', seed: 42 });
      expect(again.reused).toBe(true);
      expect(again.rebuiltBecause).toBeUndefined();
      await again.db.destroy();

      // serve --impl denormalized: add an artifact to a collection, then remove it again. The
      // rows are as seeded afterwards, but the data was written to (and artifact_count moved).
      const collection = (await seeded.db('collections').orderBy('id').first('id')) as { id: string };
      const members = seeded.db('collection_artifacts').where('collection_id', collection.id).select('artifact_id');
      const outsider = (await seeded.db('artifacts').whereNotIn('id', members).orderBy('id').first('id')) as { id: string };
      const endpoint = await startHttpEndpoint(seeded.db, 'denormalized');
      const path = `/api/v1/collections/${encodeURIComponent(collection.id)}/artifacts`;
      const base = `http://127.0.0.1:${endpoint.port}${path}`;
      const added = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ artifact_id: outsider.id }) });
      expect(added.status, await added.text()).toBe(201);
      expect((await fetch(`${base}/${encodeURIComponent(outsider.id)}`, { method: 'DELETE' })).status).toBe(204);
      await endpoint.close();
      expect(await writesSinceSeeding(seeded.db)).toBeGreaterThan(0);
      await seeded.db.destroy();

      const reopened = await openFixture({ adapter, profile: 'small', seed: 42 });
      expect(reopened.reused).toBe(false);
      expect(reopened.rebuiltBecause).toMatch(/^\d+ writes? to it since it was seeded$/);
      expect(reopened.info.checksum).toBe(seeded.info.checksum);
      expect(await writesSinceSeeding(reopened.db)).toBe(0);
      expect(await openFixture({ adapter, profile: 'small', seed: 42 }).then((f) => f.reused)).toBe(true);
    } finally {
      await adapter.close();
    }
  });

  it('rebuilds a fixture whose row counts changed behind the write counter\'s back', async () => {
    const adapter = await openTestAdapter(dialect);
    try {
      const seeded = await openFixture({ adapter, profile: 'small', seed: 42 });
      // Delete rows, then reset the counter: only the row counts can tell now.
      await seeded.db('artifact_tags').where('tag_id', 1).delete();
      await seeded.db('querygate_writes').update({ writes: 0 });
      await seeded.db.destroy();
      const reopened = await openFixture({ adapter, profile: 'small', seed: 42 });
      expect(reopened.reused).toBe(false);
      expect(reopened.rebuiltBecause).toMatch(/^artifact_tags holds \d+ rows, seeded with \d+$/);
      expect(reopened.info.checksum).toBe(seeded.info.checksum);
      await reopened.db.destroy();
    } finally {
      await adapter.close();
    }
  });
});

describe('querygate seed after a write to the fixture', () => {
  it('says the fixture was not what was seeded, rebuilds it, and prints the seeded checksum', async () => {
    const cacheDir = testFolder('seed-after-write');
    const seed = () => runCli(['seed', '--db', 'sqlite', '--profile', 'small'], { QUERYGATE_CACHE_DIR: cacheDir }, 60_000);
    const first = await seed();
    expect(first.code, showExit(first)).toBe(0);
    const checksum = /^checksum: (\w+)$/m.exec(first.stdout)?.[1];
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    const file = /at (\S+\.sqlite):/.exec(first.stdout)?.[1] ?? '';
    const raw = new Database(file);
    raw.prepare('update artifacts set description = ? where rowid = 1').run('edited by hand');
    raw.close();
    const second = await seed();
    expect(second.code, showExit(second)).toBe(0);
    expect(second.stderr).toMatch(/fixture \S+ was not what was seeded \(1 write to it since it was seeded\): rebuilt it/);
    expect(second.stdout).toMatch(/: rebuilt in /);
    expect(second.stdout).toContain(`checksum: ${checksum}`);
    const third = await seed();
    expect(third.stdout).toMatch(/: reused in .* \(unchanged since seeding\)/);
  });
});
