import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findPostgresProcesses, joinSharedEmbeddedPostgres } from '../harness/db/embedded-postgres/index.js';
import { sharedClusterPaths } from '../harness/db/embedded-postgres/shared-cluster.js';
import type { RunResult } from '../harness/core/result.js';
import { testFolder } from './support/databases.js';
import { ROOT, runCli, showExit, startCli, type CliExit } from './support/run-cli.js';

/**
 * Several querygate processes on one machine (issue 13): they share one embedded Postgres (the
 * last one out stops it), say that their latencies were disturbed by each other, stop with their
 * server when only their wrapper (npx) is killed, and name what hung when something hangs.
 */

const RUN = ['run', '--db', 'postgres', '--quick', '--scenario', 'detail', '--profile', 'small'];
const timings: string[] = [];
afterAll(() => {
  if (timings.length > 0) console.info(`concurrent runs:\n  ${timings.join('\n  ')}`);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nothing of the shared server is left: no postgres on the data directory, no keeper state, no users. */
function expectServerGone(dataDir: string, context: string): void {
  const paths = sharedClusterPaths(dataDir);
  expect(findPostgresProcesses(dataDir), context).toEqual([]);
  expect(existsSync(paths.state), context).toBe(false);
  expect(existsSync(paths.users) ? readdirSync(paths.users) : [], context).toEqual([]);
}

describe('three runs on Postgres started half a second apart', () => {
  it('all pass on one shared server, each says it was disturbed by the others, and the last one stops the server', async () => {
    const cacheDir = testFolder('concurrent-cache');
    const measuringDir = testFolder('concurrent-measuring');
    const env = { QUERYGATE_CACHE_DIR: cacheDir, QUERYGATE_MEASURING_DIR: measuringDir };
    const outs = [0, 1, 2].map((i) => join(testFolder(`concurrent-out-${i}`), 'out'));
    const clis = [];
    for (const out of outs) {
      clis.push(startCli([...RUN, '--out', out], env));
      await sleep(500);
    }
    const exits: CliExit[] = await Promise.all(clis.map((c) => c.exited));
    const context = exits.map(showExit).join('\n\n');
    timings.push(`three runs 0.5 s apart: ${exits.map((e) => `exit ${e.code} in ${(e.ms / 1000).toFixed(1)} s`).join(', ')}`);
    expect(exits.map((e) => e.code), context).toEqual([0, 0, 0]);

    const pids = clis.map((c) => c.child.pid);
    for (const [i, out] of outs.entries()) {
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
      const others = (result.environment.disturbedBy ?? []).map((o) => o.pid);
      expect(others.length, context).toBeGreaterThan(0);
      for (const pid of others) expect(pids.filter((_, j) => j !== i), context).toContain(pid);
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('**Latency disturbed**');
    }
    // One server for the three: the first run started it, the others joined.
    const keeperLog = readFileSync(sharedClusterPaths(join(cacheDir, 'pg17')).log, 'utf8');
    expect(keeperLog.match(/database system is ready to accept connections/g) ?? [], keeperLog).toHaveLength(1);
    expectServerGone(join(cacheDir, 'pg17'), context);
  });
});

describe('serve and run side by side on Postgres', () => {
  it('both work on the shared server; the server stops when the last of them ends', async () => {
    const cacheDir = testFolder('serve-run-cache');
    const env = { QUERYGATE_CACHE_DIR: cacheDir };
    const serve = startCli(['serve', '--db', 'postgres', '--profile', 'small', '--impl', 'fixed', '--port', '0'], env);
    try {
      let stdout = '';
      serve.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      const started = Date.now();
      while (!/listening on (http:\S+)/.test(stdout) && Date.now() - started < 120_000 && serve.child.exitCode === null) await sleep(100);
      const base = /listening on (http:\S+)/.exec(stdout)?.[1];
      expect(base, serve.stderr()).toBeDefined();

      const run = await runCli([...RUN, '--out', join(testFolder('serve-run-out'), 'out')], env, 300_000);
      expect(run.code, showExit(run)).toBe(0);

      const response = await fetch(`${base}/api/v1/artifacts?limit=5`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { items: unknown[] }).items).toHaveLength(5);
      expect(findPostgresProcesses(join(cacheDir, 'pg17')).length).toBeGreaterThan(0); // serve still uses it
    } finally {
      serve.child.kill('SIGTERM');
    }
    const exit = await serve.exited;
    expect(exit.code, showExit(exit)).toBe(0);
    expectServerGone(join(cacheDir, 'pg17'), showExit(exit));
  });
});

/** The children of a process (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

describe('SIGTERM to the wrapper alone (as when npx is killed)', () => {
  it('ends the run and its server within about a second, and writes no result', async () => {
    const cacheDir = testFolder('wrapper-cache');
    const dataDir = join(cacheDir, 'pg17');
    const out = join(testFolder('wrapper-out'), 'out');
    // A wrapper that, like npm exec, dies of SIGTERM without passing it on (no exec: the shell stays the parent).
    const wrapper = spawn('sh', ['-c', '"$@"; exit $?', 'sh', process.execPath, join(ROOT, 'bin', 'querygate.js'), ...RUN, '--samples', '2000', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, QUERYGATE_CACHE_DIR: cacheDir, CI: 'true', QUERYGATE_TRACE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    wrapper.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const started = Date.now();
      while (!/postgres: detail/.test(stderr) && Date.now() - started < 180_000) await sleep(100);
      expect(stderr).toMatch(/postgres: detail/);
      await sleep(1000); // measuring now
      const node = childrenOf(wrapper.pid ?? -1)[0];
      expect(node, stderr).toBeDefined();
      expect(findPostgresProcesses(dataDir).length).toBeGreaterThan(0);

      const killed = performance.now();
      wrapper.kill('SIGTERM');
      while ((isLive(node!) || findPostgresProcesses(dataDir).length > 0) && performance.now() - killed < 10_000) await sleep(20);
      const goneMs = performance.now() - killed;
      timings.push(`SIGTERM to the wrapper alone: node and postgres gone after ${Math.round(goneMs)} ms`);
      expect(isLive(node!), stderr).toBe(false);
      expectServerGone(dataDir, stderr);
      // About a second on an idle machine; the bound leaves room for a busy CI runner.
      expect(goneMs, stderr).toBeLessThan(3000);
      expect(existsSync(join(out, 'result.json'))).toBe(false);
    } finally {
      wrapper.kill('SIGKILL');
    }
  });
});

describe('timeouts name what hung and exit 3', () => {
  it('a loopback request that does not answer in time', async () => {
    const out = join(testFolder('timeout-out'), 'out');
    const exit = await runCli(['run', '--db', 'sqlite', '--quick', '--scenario', 'detail', '--profile', 'small', '--out', out], {
      QUERYGATE_CACHE_DIR: testFolder('timeout-cache'),
      QUERYGATE_REQUEST_TIMEOUT_MS: '1',
    }, 120_000);
    expect(exit.code, showExit(exit)).toBe(3);
    expect(exit.stderr).toMatch(/^querygate: environment failure: the \S+ endpoint did not answer GET \/api\/v1\/\S+ within 1 ms \(loopback request timed out\)/m);
    expect(exit.stderr).toMatch(/^hint: .*QUERYGATE_REQUEST_TIMEOUT_MS/m);
    expect(existsSync(join(out, 'result.json'))).toBe(false);
  });
});

describe('the advisory lock of a fixture held by someone else', () => {
  it('ends the wait with exit 3 naming the lock, and the server is left for its other user', async () => {
    const cacheDir = testFolder('lock-cache');
    const dataDir = join(cacheDir, 'pg17');
    // This test process is a user of the shared server too, and holds the build lock of the fixture.
    const server = await joinSharedEmbeddedPostgres({ dataDir });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`create database querygate template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
    await admin.end();
    const url = new URL(server.url);
    url.pathname = '/querygate';
    const holder = new pg.Client({ connectionString: url.toString() });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock(hashtext($1))', ['querygate:qg_small_s42']);
      const exit = await runCli(['seed', '--db', 'postgres', '--profile', 'small'], { QUERYGATE_CACHE_DIR: cacheDir, QUERYGATE_LOCK_TIMEOUT_MS: '500' }, 120_000);
      expect(exit.code, showExit(exit)).toBe(3);
      expect(exit.stderr).toMatch(/^querygate: environment failure: timed out after 500 ms waiting for the advisory lock of fixture qg_small_s42/m);
      // The CLI left; the server still runs for us.
      expect(findPostgresProcesses(dataDir).map((p) => p.pid)).toContain(server.pid);
    } finally {
      await holder.end();
      await server.stop();
    }
    expectServerGone(dataDir, 'after the last user left');
  });
});
