import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureOutputDir, replaceOutputs, RUN_OUTPUT_FILES, writeFileAtomic } from '../harness/cli/write-outputs.js';
import { testFolder } from './support/databases.js';

/**
 * Issue 21: on a shared machine another user can guess a temporary name beside our outputs and
 * put a symlink there; writing through it would overwrite a file of ours the link points at.
 * And `--out DIR` keeps DIR itself (its mode, its inode): only the files of the run change.
 */

const VICTIM_TEXT = 'precious, not querygate output\n';

function victim(): string {
  const path = join(testFolder('victim'), 'victim.txt');
  writeFileSync(path, VICTIM_TEXT);
  return path;
}

const newRun = new Map(RUN_OUTPUT_FILES.map((name) => [name, `new ${name}`]));

describe('temporary files beside the outputs', () => {
  it('writeFileAtomic does not write through a symlink at the old predictable temporary name', () => {
    const target = victim();
    const out = testFolder('atomic');
    const path = join(out, 'report.md');
    const planted = `${path}.tmp-${process.pid}`;
    symlinkSync(target, planted);
    writeFileAtomic(path, 'the report');
    expect(readFileSync(target, 'utf8')).toBe(VICTIM_TEXT);
    expect(readFileSync(path, 'utf8')).toBe('the report');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
  });

  it('ensureOutputDir does not truncate a file through a symlink at the old probe name', () => {
    const target = victim();
    const out = testFolder('probe');
    symlinkSync(target, join(out, `.querygate-probe-${process.pid}`));
    ensureOutputDir(out);
    expect(readFileSync(target, 'utf8')).toBe(VICTIM_TEXT);
  });

  it('replaceOutputs does not write through symlinks at the old staging names, and leaves no temporary file', () => {
    const target = victim();
    const parent = testFolder('stage');
    const out = join(parent, 'latest');
    mkdirSync(out);
    for (const stage of [join(parent, `.latest.writing-${process.pid}`), join(out, `.writing-${process.pid}`)]) {
      mkdirSync(stage);
      for (const name of RUN_OUTPUT_FILES) symlinkSync(target, join(stage, name));
    }
    replaceOutputs(out, newRun);
    expect(readFileSync(target, 'utf8')).toBe(VICTIM_TEXT);
    for (const name of RUN_OUTPUT_FILES) expect(readFileSync(join(out, name), 'utf8')).toBe(`new ${name}`);
  });
});

describe('--out DIR is kept, its files replaced', () => {
  it('keeps a mode-700 folder and its inode, replaces the run files and keeps the others', () => {
    const out = join(testFolder('private-out'), 'latest');
    mkdirSync(out);
    chmodSync(out, 0o700);
    for (const name of RUN_OUTPUT_FILES) writeFileSync(join(out, name), `old ${name}`);
    writeFileSync(join(out, 'scaling.md'), 'kept');
    const before = statSync(out);
    const oldInodes = RUN_OUTPUT_FILES.map((name) => statSync(join(out, name)).ino);
    replaceOutputs(out, newRun);
    const after = statSync(out);
    expect(after.mode & 0o777).toBe(0o700);
    expect(after.ino).toBe(before.ino);
    for (const name of RUN_OUTPUT_FILES) expect(readFileSync(join(out, name), 'utf8')).toBe(`new ${name}`);
    // Each file was replaced by a rename, not rewritten in place (a reader never sees half of one).
    expect(RUN_OUTPUT_FILES.map((name) => statSync(join(out, name)).ino)).not.toEqual(oldInodes);
    expect(readFileSync(join(out, 'scaling.md'), 'utf8')).toBe('kept');
    expect(readdirSync(out).sort()).toEqual([...RUN_OUTPUT_FILES, 'scaling.md'].sort());
  });
});
