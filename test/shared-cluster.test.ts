import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresProcesses, joinSharedEmbeddedPostgres } from '../harness/db/embedded-postgres/index.js';
import { readKeeperState, sharedClusterPaths } from '../harness/db/embedded-postgres/shared-cluster.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE_URL = pathToFileURL(path.join(ROOT, 'harness/db/embedded-postgres/index.ts')).href;
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'qg-shared-'));
fs.chmodSync(base, 0o755); // the postgres user must enter it
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

async function select1(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('select 1 as one')).rows[0]?.one ?? 0;
  } finally {
    await client.end();
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a shared embedded server', () => {
  it('is started once, joined by the next user, and stopped by the last one to leave', async () => {
    const dataDir = path.join(base, 'a', 'pg17');
    const first = await joinSharedEmbeddedPostgres({ dataDir });
    const second = await joinSharedEmbeddedPostgres({ dataDir });
    expect(first.startedHere).toBe(true);
    expect(second.startedHere).toBe(false);
    expect(second.pid).toBe(first.pid);
    expect(second.url).toBe(first.url);
    // The server's parent is the keeper, not this process: it outlives whoever started it.
    const keeper = readKeeperState(sharedClusterPaths(dataDir).state);
    expect(findPostgresProcesses(dataDir).find((p) => p.pid === first.pid)?.ppid).toBe(keeper?.keeperPid);

    await first.stop();
    expect(await select1(second.url)).toBe(1); // still served for the second user
    await second.stop();
    expect(findPostgresProcesses(dataDir)).toEqual([]);
    expect(fs.existsSync(sharedClusterPaths(dataDir).state)).toBe(false);
  });

  it('is stopped by its keeper when its only user dies without leaving (SIGKILL)', async () => {
    const dataDir = path.join(base, 'b', 'pg17');
    const script = path.join(base, 'user.mjs');
    fs.writeFileSync(
      script,
      `import { joinSharedEmbeddedPostgres } from ${JSON.stringify(MODULE_URL)};\n` +
        `const s = await joinSharedEmbeddedPostgres({ dataDir: process.argv[2] });\n` +
        `console.log(JSON.stringify({ pid: s.pid }));\nsetInterval(() => {}, 1000);\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
        });
        child.once('exit', (code) => reject(new Error(`user exited with ${code}`)));
      });
      const { pid } = JSON.parse(line) as { pid: number };
      expect(findPostgresProcesses(dataDir).map((p) => p.pid)).toContain(pid);
      child.kill('SIGKILL');
      await waitUntil(() => findPostgresProcesses(dataDir).length === 0, 10_000);
      // The next user starts a fresh server on the same data directory.
      const next = await joinSharedEmbeddedPostgres({ dataDir });
      expect(next.startedHere).toBe(true);
      expect(next.pid).not.toBe(pid);
      await next.stop();
      expect(findPostgresProcesses(dataDir)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
