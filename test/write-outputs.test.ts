import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceOutputs, RUN_OUTPUT_FILES, writeFileAtomic } from '../harness/cli/write-outputs.js';
import { EnvironmentError } from '../harness/core/errors.js';
import { testFolder } from './support/databases.js';

/** A folder holding a previous run's complete outputs (a PASS) and a file of someone else's. */
function previousRun(): { parent: string; out: string } {
  const parent = testFolder('outputs');
  const out = join(parent, 'latest');
  mkdirSync(out);
  for (const name of RUN_OUTPUT_FILES) writeFileSync(join(out, name), `old ${name}: verdict PASS`);
  writeFileSync(join(out, 'scaling.md'), 'kept');
  return { parent, out };
}

const newRun = new Map(RUN_OUTPUT_FILES.map((name) => [name, `new ${name}`]));

describe('replaceOutputs', () => {
  it('replaces the whole set, keeps other files, and leaves nothing beside the folder', () => {
    const { parent, out } = previousRun();
    const files = replaceOutputs(out, newRun);
    expect(files).toEqual(RUN_OUTPUT_FILES.map((name) => join(out, name)));
    for (const name of RUN_OUTPUT_FILES) expect(readFileSync(join(out, name), 'utf8')).toBe(`new ${name}`);
    expect(readFileSync(join(out, 'scaling.md'), 'utf8')).toBe('kept');
    expect(readdirSync(out).sort()).toEqual([...RUN_OUTPUT_FILES, 'scaling.md'].sort());
    expect(readdirSync(parent)).toEqual(['latest']);
  });

  it('creates the folder when it does not exist', () => {
    const out = join(testFolder('outputs-new'), 'a', 'b');
    replaceOutputs(out, newRun);
    expect(readdirSync(out).sort()).toEqual([...RUN_OUTPUT_FILES].sort());
  });

  it('leaves no verdict at all, neither new nor stale, when the third file cannot be written', () => {
    const { parent, out } = previousRun();
    let calls = 0;
    const failingThird = (path: string, text: string) => {
      if (++calls === 3) {
        throw new EnvironmentError(`cannot write ${path}: ENOSPC`);
      }
      writeFileAtomic(path, text);
    };
    expect(() => replaceOutputs(out, newRun, failingThird)).toThrow(/cannot write .*junit\.xml: ENOSPC/);
    expect(calls).toBe(3);
    // No report.md or junit.xml of the previous run beside a missing result.json, no half of the new one.
    expect(readdirSync(out)).toEqual(['scaling.md']);
    expect(readdirSync(parent)).toEqual(['latest']);
  });

  it('turns any other failure of a write into an environment error (exit 3)', () => {
    const { out } = previousRun();
    const failing = () => {
      throw Object.assign(new Error('boom'), { code: 'EIO' });
    };
    expect(() => replaceOutputs(out, newRun, failing)).toThrow(EnvironmentError);
    expect(readdirSync(out)).toEqual(['scaling.md']);
  });
});

describe('writeRunOutputs and the step summary', () => {
  it('appends the summary form to $GITHUB_STEP_SUMMARY and keeps the full report in report.md', async () => {
    const { writeRunOutputs } = await import('../harness/cli/write-outputs.js');
    const { sampleResult } = await import('./fixtures/sample-result.js');
    const { SUMMARY_MAX_CHARS } = await import('../reports/summary-report.js');
    const dir = testFolder('step-summary');
    const summaryFile = join(dir, 'summary.md');
    writeFileSync(summaryFile, 'an earlier step\n');
    const before = process.env['GITHUB_STEP_SUMMARY'];
    process.env['GITHUB_STEP_SUMMARY'] = summaryFile;
    try {
      await writeRunOutputs(sampleResult(), join(dir, 'out'), { attachNote: false });
    } finally {
      if (before === undefined) delete process.env['GITHUB_STEP_SUMMARY'];
      else process.env['GITHUB_STEP_SUMMARY'] = before;
    }
    const appended = readFileSync(summaryFile, 'utf8');
    expect(appended.startsWith('an earlier step\n## querygate: FAIL\n')).toBe(true);
    expect(appended.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS + 100);
    expect(appended).toContain('`report.md` in the `querygate-reports` artifact');
    const report = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
    expect(report.startsWith('# querygate: FAIL\n')).toBe(true);
    expect(report.length).toBeGreaterThan(appended.length);
  });
});
