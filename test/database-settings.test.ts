import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/core/errors.js';
import { checkDatabaseSettings, settingsDifference, SETTINGS_BEFORE_SRC_OWNED_THEM } from '../harness/db/served-connection.js';
import { DATABASE_SETTINGS, type DatabaseSettings } from '../src/database-settings.js';
import { openTestFixture, TEST_DIALECTS, type TestFixture } from './support/databases.js';

const settings = (over: Partial<DatabaseSettings> = {}): DatabaseSettings => ({ ...structuredClone(SETTINGS_BEFORE_SRC_OWNED_THEM), ...over });

describe('database settings read from a revision', () => {
  it("are the harness's old ones today, so that a REF from before src/ owned them compares unchanged", () => {
    expect(DATABASE_SETTINGS).toEqual(SETTINGS_BEFORE_SRC_OWNED_THEM);
    expect(settingsDifference(DATABASE_SETTINGS, SETTINGS_BEFORE_SRC_OWNED_THEM)).toEqual([]);
  });

  it.each([
    [null, /is not an object/],
    [{ ...settings(), pool: { sqlite: 1 } }, /\.pool\.postgres is undefined, expected an integer from 1 to 64/],
    [{ ...settings(), pool: { sqlite: 0, postgres: 4 } }, /\.pool\.sqlite is 0/],
    [{ ...settings(), pool: { sqlite: 1, postgres: 65 } }, /\.pool\.postgres is 65/],
    [{ ...settings(), pool: { sqlite: 1.5, postgres: 4 } }, /\.pool\.sqlite is 1.5/],
    [{ ...settings(), sqlitePragmas: [] }, /\.sqlitePragmas is not an object/],
    [{ ...settings(), sqlitePragmas: { 'cache_size = 1; drop table x': 1 } }, /\.sqlitePragmas has the name/],
    [{ ...settings(), sqlitePragmas: { cache_size: '1; attach' } }, /\.sqlitePragmas\.cache_size is "1; attach"/],
    [{ ...settings(), postgresSettings: { work_mem: '4MB -c search_path=evil' } }, /\.postgresSettings\.work_mem is/],
    [{ ...settings(), postgresSettings: { work_mem: Number.NaN } }, /\.postgresSettings\.work_mem is null/],
  ])('refuses %j with a message naming the field', (value, message) => {
    expect(() => checkDatabaseSettings(value, 'REF')).toThrow(UsageError);
    expect(() => checkDatabaseSettings(value, 'REF')).toThrow(message);
  });

  it('accepts pool sizes, pragmas and settings of plain names and values', () => {
    const good = settings({ pool: { sqlite: 2, postgres: 8 }, sqlitePragmas: { cache_size: -64000, mmap_size: 268435456 }, postgresSettings: { work_mem: '8MB', jit: 'off' } });
    expect(checkDatabaseSettings(good, 'REF')).toEqual(good);
  });

  it('names each difference, and pragmas run in another order as one', () => {
    const theirs = settings({ sqlitePragmas: { cache_size: -2000, temp_store: 'memory' } });
    const ours = settings({ pool: { sqlite: 1, postgres: 8 }, sqlitePragmas: { cache_size: -64000 }, postgresSettings: { jit: 'off' } });
    expect(settingsDifference(theirs, ours)).toEqual([
      'pool.postgres 4 -> 8',
      'sqlitePragmas.cache_size -2000 -> -64000',
      'sqlitePragmas.temp_store memory -> (none)',
      'postgresSettings.jit (none) -> off',
    ]);
    const [a, b] = [settings({ sqlitePragmas: { a: 1, b: 2 } }), settings({ sqlitePragmas: { b: 2, a: 1 } })];
    expect(settingsDifference(a, b)).toEqual(['sqlitePragmas in another order']);
  });
});

describe.each(TEST_DIALECTS)('a served connection on %s', (dialect) => {
  let fixture: TestFixture;
  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
  }, 240_000);
  afterAll(async () => {
    await fixture?.close();
  });

  it('is opened with the settings it is given: pool size, and each pragma or setting on every connection', async () => {
    const served = settings({ pool: { sqlite: 2, postgres: 3 }, sqlitePragmas: { cache_size: -4321 }, postgresSettings: { work_mem: '4321kB' } });
    const db = fixture.adapter.connect(fixture.namespace, { served: { settings: served } });
    const pool = (db.client as { pool: { max: number } }).pool;
    expect(pool.max).toBe(dialect === 'sqlite' ? 2 : 3);
    // Several connections at once: every one of them was set up.
    const read = async (): Promise<string> => {
      if (dialect === 'sqlite') return String(((await db.raw('pragma cache_size')) as { cache_size: number }[])[0]?.cache_size);
      const rows = (await db.raw('show work_mem')) as { rows: { work_mem: string }[] };
      return rows.rows[0]?.work_mem ?? '';
    };
    const seen = await Promise.all([read(), read(), read()]);
    expect(seen).toEqual(Array(3).fill(dialect === 'sqlite' ? '-4321' : '4321kB'));
    // The fixture's tables, as the endpoint sees them.
    expect(Number(((await db('artifacts').count({ n: '*' })) as { n: number | string }[])[0]?.n)).toBeGreaterThan(0);
  });

  it("is opened with the service's own settings by default", async () => {
    const db = fixture.adapter.connect(fixture.namespace);
    expect((db.client as { pool: { max: number } }).pool.max).toBe(DATABASE_SETTINGS.pool[dialect]);
  });
});
