import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { writeRunOutputs } from '../harness/cli/write-outputs.js';
import { parsePgUrl, redactCommandLine } from '../harness/db/pg-url.js';
import { startMeasuring } from '../harness/runner/measuring-registry.js';
import { register } from '../harness/system/process-registry.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { sampleResult } from './fixtures/sample-result.js';
import { testFolder } from './support/databases.js';
import { killOtherProcesses, otherProcess } from './support/other-processes.js';
import { ROOT, runCli, showExit } from './support/run-cli.js';

/**
 * Issue 21: a password given to querygate (`--pg-url`, DATABASE_URL) must never leave the run:
 * not into the machine-wide measuring registry, not into another run's `disturbedBy` (and from
 * there its result.json and report), not into an error message.
 */

const SECRET = 'SECRET123';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  killOtherProcesses();
});

/** Every file under `dir`, as text. */
function filesUnder(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ file: join(e.parentPath, e.name), text: readFileSync(join(e.parentPath, e.name), 'utf8') }));
}

async function withArgv<T>(args: string[], fn: () => T | Promise<T>): Promise<T> {
  const saved = process.argv;
  process.argv = [saved[0] ?? 'node', 'bin/querygate.js', ...args];
  try {
    return await fn();
  } finally {
    process.argv = saved;
  }
}

describe('the command line others see', () => {
  it('hides passwords in URLs and the values of URL and password arguments', () => {
    const line = redactCommandLine([
      'run',
      '--pg-url',
      `postgres://app:${SECRET}@db/x`,
      `--pg-url=postgresql://app:${SECRET}@db/x`,
      `DATABASE_URL=postgres://app:${SECRET}@db/x`,
      `PGPASSWORD=${SECRET}`,
      `postgres://app:${SECRET}@db/x`,
      '--out',
      'reports/out/x',
    ]);
    expect(line).not.toContain(SECRET);
    expect(line).toContain('--pg-url ***');
    expect(line).toContain('--out reports/out/x');
  });

  it('the registry entry written while measuring holds no password', async () => {
    const dir = join(testFolder('secret-registry'), 'measuring');
    await withArgv(['run', '--pg-url', `postgres://app:${SECRET}@db.example/app`, `DATABASE_URL=postgres://a:${SECRET}@h/d`], () => {
      const session = startMeasuring(dir);
      try {
        const entries = filesUnder(dir);
        expect(entries.length).toBeGreaterThan(0);
        for (const { file, text } of entries) expect(text, file).not.toContain(SECRET);
        expect(entries.map((e) => e.text).join('')).toContain('--pg-url ***');
      } finally {
        session.finish();
      }
    });
  });

  it('another session reads no password into disturbedBy, nor into its report', async () => {
    const dir = join(testFolder('secret-disturbed'), 'measuring');
    // A querygate process measuring with a password on its command line...
    const script = join(testFolder('secret-child'), 'measure.mjs');
    const moduleUrl = pathToFileURL(join(ROOT, 'harness/runner/measuring-registry.ts')).href;
    writeFileSync(script, `import { startMeasuring } from ${JSON.stringify(moduleUrl)};\nstartMeasuring(process.env.DIR);\nconsole.log('measuring');\nsetInterval(() => {}, 1000);\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', script, 'run', '--pg-url', `postgres://app:${SECRET}@db/x`], {
      cwd: ROOT,
      env: { ...process.env, DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    // ...and one of an older version, whose entry holds the raw command line.
    const old = await otherProcess();
    register(dir, { startedAt: 'x', command: `run --pg-url postgres://app:${SECRET}@db/x DATABASE_URL=postgres://a:${SECRET}@h/d` }, old.pid);

    const seen = startMeasuring(dir).finish();
    expect(seen.map((s) => s.pid).sort()).toEqual([child.pid, old.pid].sort());
    expect(JSON.stringify(seen)).not.toContain(SECRET);
    const result = sampleResult();
    result.environment.disturbedBy = seen;
    expect(renderMarkdown(result)).not.toContain(SECRET);
  });
});

describe('the outputs of a run', () => {
  it('hold no password that reached the result (an error message, a command line of an older run)', async () => {
    const result = sampleResult();
    result.errors = [`postgres: cannot reach postgres://app:${SECRET}@db:5432/x (ECONNREFUSED)`];
    result.environment.disturbedBy = [{ pid: 4242, command: `run --pg-url=postgres://app:${SECRET}@db/x`, startedAt: 'a', from: 'b', until: 'c' }];
    const out = join(testFolder('secret-outputs'), 'out');
    await writeRunOutputs(result, out, { attachNote: false });
    for (const { file, text } of filesUnder(out)) expect(text, file).not.toContain(SECRET);
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toContain('postgres://app:***@db:5432/x');
  });
});

describe('errors about a URL', () => {
  it.each([
    `postgres://u:${SECRET}@host:notaport/db`,
    `postgres://u:SEC/RET123@host:5432/db`,
    `postgres://u:SEC?RET123@host/db`,
    `postgres://u:SEC#RET123@host/db`,
    `postgres://u:SEC:RET123@host:99999/db`,
    `postgres://u:SEC@RET123@host:x/db`,
  ])('the parse error of %s shows no part of the password', (url) => {
    let message = '';
    try {
      parsePgUrl(url);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid Postgres URL/);
    expect(message).not.toContain('SEC');
    expect(message).not.toContain('RET123');
  });
});

describe('a whole run with a password that fails to connect', () => {
  it('exits 3, and nothing it prints or writes, nor what another run saw of it, holds the password', async () => {
    // A server that accepts and never answers: the run stays registered until its 5 s connect timeout.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const base = testFolder('secret-cli');
    const measuring = join(base, 'measuring');
    const out = join(base, 'out');
    const watcher = startMeasuring(measuring);
    try {
      const exit = await runCli(['run', '--db', 'postgres', '--pg-url', `postgres://u:${SECRET}@127.0.0.1:${port}/x`, '--quick', '--out', out], {
        QUERYGATE_CACHE_DIR: join(base, 'cache'),
        QUERYGATE_MEASURING_DIR: measuring,
      }, 60_000);
      const context = showExit(exit);
      expect(exit.code, context).toBe(3);
      expect(exit.stdout + exit.stderr, context).not.toContain(SECRET);
      const seen = watcher.finish();
      expect(seen.length, context).toBe(1); // the run was seen measuring...
      expect(JSON.stringify(seen)).not.toContain(SECRET); // ...without its password
      for (const { file, text } of filesUnder(base)) expect(text, file).not.toContain(SECRET);
      expect(statSync(measuring).isDirectory()).toBe(true);
    } finally {
      watcher.finish();
      silent.close();
    }
  }, 90_000);
});
