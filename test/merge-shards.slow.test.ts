import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { testFolder } from './support/databases.js';
import { runCli, showExit, type CliExit } from './support/run-cli.js';

/** Issue 12's goal: merging the shards of a run gives, verdict for verdict and gate for gate, the single run. */
const QUICK = ['--quick', '--profile', 'small', '--db', 'sqlite', '--no-plans'];
const dir = testFolder('merge-shards');
const env = { QUERYGATE_CACHE_DIR: process.env.QUERYGATE_CACHE_DIR ?? testFolder('merge-shards-cache') };
const read = (out: string): RunResult => JSON.parse(readFileSync(join(dir, out, 'result.json'), 'utf8')) as RunResult;
const gates = (run: RunResult) => run.results.map((r) => `${r.dialect} ${r.scenario} ${r.impl}: ${r.gates.map((g) => `${g.id}=${g.pass}`).join(' ')}`);
const junitCases = (out: string) => [...readFileSync(join(dir, out, 'junit.xml'), 'utf8').matchAll(/<testcase [^>]*name="([^"]+)"[^>]*>(\s*<failure)?/g)].map((m) => `${m[1]} ${m[2] ? 'FAIL' : 'ok'}`);

describe('run --shard K/N and merge', () => {
  let single: CliExit;
  let merged: CliExit;
  let overlap: CliExit;
  beforeAll(async () => {
    single = await runCli(['run', ...QUICK, '--out', join(dir, 'single')], env, 120_000);
    for (const k of [1, 2]) {
      const shard = await runCli(['run', ...QUICK, '--shard', `${k}/2`, '--out', join(dir, `shard-${k}`)], env, 120_000);
      expect(shard.code, showExit(shard)).toBe(0);
    }
    merged = await runCli(['merge', join(dir, 'shard-2', 'result.json'), join(dir, 'shard-1', 'result.json'), '--out', join(dir, 'merged')], env);
    overlap = await runCli(['merge', join(dir, 'shard-1', 'result.json'), join(dir, 'shard-1', 'result.json'), '--out', join(dir, 'bad')], env);
  });

  it('splits the scenarios between the shards, none twice', () => {
    const [one, two] = [read('shard-1'), read('shard-2')];
    const units = (run: RunResult) => [...new Set(run.results.map((r) => `${r.dialect}/${r.scenario}`))];
    expect(units(one).length).toBeGreaterThan(0);
    expect(units(two).length).toBeGreaterThan(0);
    expect(units(one).filter((u) => units(two).includes(u))).toEqual([]);
    expect(one.shard).toMatchObject({ index: 1, count: 2 });
  });

  it('merges into the verdict, gates and JUnit cases of the single run', () => {
    expect(single.code, showExit(single)).toBe(0);
    expect(merged.code, showExit(merged)).toBe(single.code);
    expect(gates(read('merged'))).toEqual(gates(read('single')));
    expect(read('merged').verdict).toBe(read('single').verdict);
    expect(junitCases('merged')).toEqual(junitCases('single'));
    expect(junitCases('merged').length).toBeGreaterThan(4);
  });

  it('refuses a shard given twice (exit 2)', () => {
    expect(overlap.code, showExit(overlap)).toBe(2);
    expect(overlap.stderr).toMatch(/was measured by both/);
  });
});
