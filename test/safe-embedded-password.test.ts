import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresProcesses, joinSharedEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from '../harness/db/embedded-postgres/index.js';
import { sharedClusterPaths } from '../harness/db/embedded-postgres/shared-cluster.js';

/**
 * Issue 21: the embedded server's superuser had one password for every installation
 * ('querygate'), so any local user could log in as superuser on 127.0.0.1 while a run went on.
 * Each cluster now has a random password of its own, in a file only its owner may read; a
 * cluster made with the old password gets a new one on its first start.
 */

const WELL_KNOWN = 'querygate';
const PASSWORD_FILE = 'querygate-password';
const servers: EmbeddedPostgres[] = [];
const dataDirs: string[] = [];
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'qg-password-'));
fs.chmodSync(base, 0o755); // the postgres user must enter it

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of dataDirs) expect(findPostgresProcesses(dir)).toEqual([]);
  fs.rmSync(base, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir });
  servers.push(server);
  return server;
}

/** The error code of a login with this password, or 'ok'. */
async function login(port: number, password: string): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', ssl: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function passwordFileOf(dataDir: string): { password: string; mode: number; uid: number } {
  const file = path.join(dataDir, PASSWORD_FILE);
  const stat = fs.statSync(file);
  return { password: fs.readFileSync(file, 'utf8').trim(), mode: stat.mode & 0o777, uid: stat.uid };
}

describe('the embedded superuser password', () => {
  const dataDir = path.join(base, 'a', 'pg17');
  dataDirs.push(dataDir);

  it('is random per cluster, kept mode 600, and the well-known one is refused', async () => {
    const s = await start(dataDir);
    let password = '';
    try {
      const file = passwordFileOf(dataDir);
      password = file.password;
      expect(file.mode).toBe(0o600);
      expect(file.uid).toBe(process.getuid?.());
      expect(file.password.length).toBeGreaterThanOrEqual(24);
      expect(new URL(s.url).password).toBe(encodeURIComponent(file.password));
      expect(await login(s.port, WELL_KNOWN)).toBe('28P01');
      expect(await login(s.port, file.password)).toBe('ok');
    } finally {
      await s.stop();
    }

    const other = path.join(base, 'b', 'pg17');
    dataDirs.push(other);
    const t = await start(other);
    await t.stop();
    expect(passwordFileOf(other).password).not.toBe(password);
  });

  it('is changed at the first start of a cluster made with the old well-known password, keeping its data', async () => {
    const s = await start(dataDir);
    try {
      const client = new pg.Client({ connectionString: s.url });
      await client.connect();
      await client.query(`alter role postgres password '${WELL_KNOWN}'`);
      await client.query('create table kept (id int)');
      await client.end();
    } finally {
      await s.stop();
    }
    await fsp.rm(path.join(dataDir, PASSWORD_FILE)); // as an older querygate left it

    const again = await start(dataDir);
    try {
      const file = passwordFileOf(dataDir);
      expect(file.mode).toBe(0o600);
      expect(file.password).not.toBe(WELL_KNOWN);
      expect(await login(again.port, WELL_KNOWN)).toBe('28P01');
      const check = new pg.Client({ connectionString: again.url });
      await check.connect();
      expect((await check.query("select to_regclass('kept') is not null as present")).rows).toEqual([{ present: true }]);
      await check.end();
    } finally {
      await again.stop();
    }
  });

  it('reaches processes that join the shared server through the file, not through the keeper file', async () => {
    const first = await joinSharedEmbeddedPostgres({ dataDir });
    const second = await joinSharedEmbeddedPostgres({ dataDir });
    try {
      const { password } = passwordFileOf(dataDir);
      expect(second.url).toBe(first.url);
      expect(await login(second.port, password)).toBe('ok');
      const keeperFile = sharedClusterPaths(dataDir).state;
      expect(fs.readFileSync(keeperFile, 'utf8')).not.toContain(password);
      expect(fs.statSync(keeperFile).mode & 0o777).toBe(0o600);
    } finally {
      await first.stop();
      await second.stop();
    }
    expect(findPostgresProcesses(dataDir)).toEqual([]);
  });
});
