import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  project.provide('pgUrl', pgUrl);
  project.provide('embedded', server !== undefined);
  project.provide('testDir', dir);
  return async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL (database `postgres` of the embedded server, or DATABASE_URL). */
    pgUrl: string;
    embedded: boolean;
    /** A folder of this test run's own, removed at the end. */
    testDir: string;
  }
}
