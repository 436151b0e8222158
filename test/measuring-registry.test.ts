import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listLive, processStartTime, register } from '../harness/system/process-registry.js';
import { startMeasuring } from '../harness/runner/measuring-registry.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { sampleResult } from './fixtures/sample-result.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qg-registry-'));
  dirs.push(dir);
  return path.join(dir, 'measuring');
}

async function otherProcess(): Promise<ChildProcess> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  while (processStartTime(child.pid ?? -1) === null) await new Promise((r) => setTimeout(r, 10));
  return child;
}

describe('process registry', () => {
  it('lists live processes and drops the entries of dead ones', async () => {
    const dir = tempDir();
    const other = await otherProcess();
    const mine = register(dir, { who: 'me' });
    register(dir, { who: 'other' }, other.pid);
    expect(listLive<{ who: string }>(dir).map((e) => e.data.who).sort()).toEqual(['me', 'other']);
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    expect(listLive<{ who: string }>(dir).map((e) => e.data.who)).toEqual(['me']);
    expect(fs.readdirSync(dir)).toHaveLength(1); // the dead entry was removed
    mine.remove();
    expect(listLive(dir)).toEqual([]);
  });

  it('does not mistake a reused pid for the process that registered', () => {
    const dir = tempDir();
    fs.mkdirSync(dir, { recursive: true });
    // Our own pid, but with a start time that is not ours: the registered process is gone.
    fs.writeFileSync(path.join(dir, `${process.pid}-1.json`), JSON.stringify({ pid: process.pid, startTime: '1', data: {} }));
    expect(listLive(dir)).toEqual([]);
  });
});

describe('measuring registry', () => {
  it('reports the other runs that measured meanwhile, and none when alone', async () => {
    const dir = tempDir();
    expect(startMeasuring(dir).finish()).toEqual([]);

    const other = await otherProcess();
    register(dir, { startedAt: '2026-01-01T00:00:00.000Z', command: 'run --db postgres' }, other.pid);
    const session = startMeasuring(dir);
    const seen = session.finish();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ pid: other.pid, command: 'run --db postgres', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(session.finish()).toBe(seen); // idempotent
    expect(listLive(dir).map((e) => e.pid)).toEqual([other.pid]); // we left, the other stays
  });

  it('marks the report\'s latency as disturbed, and only then', () => {
    const alone = sampleResult();
    alone.environment.disturbedBy = [];
    expect(renderMarkdown(alone)).not.toContain('Latency disturbed');
    expect(renderMarkdown(alone)).toMatch(/other querygate runs meanwhile \| none/);
    const shared = sampleResult();
    shared.environment.disturbedBy = [{ pid: 4242, command: 'run --quick', startedAt: 'a', from: 'b', until: 'c' }];
    const md = renderMarkdown(shared);
    expect(md).toContain('**Latency disturbed**: 1 other querygate process measured on this machine at the same time: pid 4242');
    expect(md).toMatch(/other querygate runs meanwhile \| pid 4242 \(latency disturbed\)/);
  });
});
