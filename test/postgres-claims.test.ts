import knex, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { FixtureRefusedError } from '../harness/db/fixture-refused-error.js';
import { createPostgresAdapter } from '../harness/db/postgres-adapter.js';
import { openFixture } from '../harness/fixture-store/fixture-store.js';
import { createTestDatabase } from './support/databases.js';
import { dropTestDatabases } from './support/global-setup.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function connect(url: string): Knex {
  const db = knex({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 } });
  cleanups.push(() => db.destroy());
  return db;
}

describe('claiming an external Postgres database', () => {
  it('refuses a table the role cannot see in information_schema (read from the catalog)', async (ctx) => {
    const url = await createTestDatabase('qg_hidden');
    const owner = connect(url);
    const role = `qg_limited_${inject('runToken')}`;
    try {
      await owner.raw(`create role ${role} login password 'limited'`);
    } catch {
      ctx.skip('this server user may not create roles');
    }
    cleanups.push(async () => {
      const admin = connect(inject('pgUrl'));
      await admin.raw(`drop database if exists "${new URL(url).pathname.slice(1)}" with (force)`);
      await admin.raw(`drop role if exists ${role}`);
    });
    await owner.raw('create schema ledger');
    await owner.raw('create table ledger.payroll (id int primary key, amount int)');
    await owner.raw('insert into ledger.payroll values (1, 100)');
    const limited = new URL(url);
    limited.username = role;
    limited.password = 'limited';
    // The role is blind to the table in information_schema: the old check passed here.
    const seen = connect(limited.toString());
    expect(await seen('information_schema.tables').where('table_schema', 'ledger').select('table_name')).toEqual([]);
    await expect(createPostgresAdapter({ url: limited.toString() })).rejects.toThrow(/ledger\.payroll/);
    expect(await owner('ledger.payroll').select('amount')).toEqual([{ amount: 100 }]);
  });
});

describe('dropping a fixture schema (RESTRICT, never CASCADE)', () => {
  it('refuses to rebuild a fixture whose schema holds someone else\'s table, and keeps it', async () => {
    const url = await createTestDatabase('qg_restrict');
    const adapter = await createPostgresAdapter({ url });
    cleanups.push(() => adapter.close());
    const fixture = await openFixture({ adapter, profile: 'small', seed: 42 });
    await fixture.db.destroy();
    const owner = connect(url);
    await owner.raw(`create table ${fixture.namespace}.notes (body text)`);
    await owner.raw(`insert into ${fixture.namespace}.notes values ('keep me')`);
    const error = await openFixture({ adapter, profile: 'small', seed: 42, rebuild: true }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(FixtureRefusedError);
    expect(String(error)).toMatch(/holds notes querygate did not create; refusing to drop it/);
    expect(await owner.withSchema(fixture.namespace).from('notes').select('body')).toEqual([{ body: 'keep me' }]);
    // The old fixture is intact, and the scratch schema of the failed build is gone.
    expect(await owner.withSchema(fixture.namespace).from('artifacts').count({ n: '*' })).toEqual([{ n: '1000' }]);
    expect(await owner('pg_namespace').where('nspname', 'like', '%__building').select('nspname')).toEqual([]);
  });

  it('refuses to drop the fixture\'s tables while someone else\'s view depends on them, and keeps the view', async () => {
    const url = await createTestDatabase('qg_restrict_view');
    const adapter = await createPostgresAdapter({ url });
    cleanups.push(() => adapter.close());
    const fixture = await openFixture({ adapter, profile: 'small', seed: 42 });
    await fixture.db.destroy();
    const owner = connect(url);
    await owner.raw(`create view public.skills as select id from ${fixture.namespace}.artifacts where type = 'skill'`);
    await expect(adapter.dropNamespace(fixture.namespace)).rejects.toThrow(FixtureRefusedError);
    expect(Number((await owner('public.skills').count({ n: '*' }))[0]?.n)).toBeGreaterThan(0);
    await owner.raw('drop view public.skills');
    await adapter.dropNamespace(fixture.namespace);
    expect(await owner('pg_namespace').where('nspname', fixture.namespace).select('nspname')).toEqual([]);
  });
});

describe('test databases', () => {
  it('are dropped by the run\'s teardown, and only those of the run', async () => {
    const token = `t${Date.now().toString(36)}`;
    const admin = connect(inject('pgUrl'));
    const names = [`qg_test_${token}_1`, `qg_test_${token}_2`, `qg_test_${token}x_3`];
    for (const name of names) await admin.raw(`create database "${name}"`);
    cleanups.push(async () => {
      await admin.raw(`drop database if exists "${names[2]}"`);
    });
    expect((await dropTestDatabases(inject('pgUrl'), token)).sort()).toEqual(names.slice(0, 2));
    const left = await admin('pg_database').where('datname', 'like', `qg_test_${token}%`).pluck('datname');
    expect(left).toEqual([names[2]]);
  });
});
