import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../harness/db/embedded-postgres/index.js';

/**
 * One database server for the whole test run: DATABASE_URL when set, else an embedded Postgres
 * in a folder of this run's own (so parallel runs never share a data directory), stopped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'querygate-test-'));
  // The postgres user must be able to enter it (mkdtemp makes it 700).
  chmodSync(dir, 0o755);
  let server: EmbeddedPostgres | undefined;
  let pgUrl = process.env.DATABASE_URL;
  if (pgUrl === undefined || pgUrl === '') {
    server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg17'), sharedPreloadLibraries: ['pg_stat_statements'] });
    pgUrl = server.url;
  }
  // Every database a test creates carries this run's token in its name, so the teardown drops
  // exactly those (on DATABASE_URL they would otherwise pile up run after run).
  const runToken = randomBytes(4).toString('hex');
  project.provide('pgUrl', pgUrl);
  project.provide('embedded', server !== undefined);
  project.provide('testDir', dir);
  project.provide('runToken', runToken);
  return async () => {
    try {
      if (server === undefined) await dropTestDatabases(pgUrl, runToken);
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Drops the databases of this run (names holding `_<token>_`), ending sessions left open in them. */
export async function dropTestDatabases(url: string, token: string): Promise<string[]> {
  const admin = knex({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 } });
  try {
    const rows: { datname: string }[] = await admin('pg_database').whereRaw('strpos(datname, ?) > 0', [`_${token}_`]).select('datname');
    for (const { datname } of rows) await admin.raw(`drop database if exists "${datname.replace(/"/g, '""')}" with (force)`);
    return rows.map((r) => r.datname);
  } finally {
    await admin.destroy();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL (database `postgres` of the embedded server, or DATABASE_URL). */
    pgUrl: string;
    embedded: boolean;
    /** A folder of this test run's own, removed at the end. */
    testDir: string;
    /** In the name of every database the run creates; the teardown drops those. */
    runToken: string;
  }
}
