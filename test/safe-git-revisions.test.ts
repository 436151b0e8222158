import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHistory } from '../harness/cli/read-history.js';
import { UsageError } from '../harness/core/errors.js';
import { findBaseResult } from '../harness/git/find-base-result.js';
import { loadRevision } from '../harness/runner/against-revision.js';
import { ROOT } from './support/run-cli.js';
import { createTempRepo, removeTempRepos } from './support/temp-repo.js';

/**
 * Issue 21: a revision given by the user is never read by git as an option. `git log
 * --output=FILE` writes FILE, so `querygate history --range=--output=FILE` used to create it.
 */

afterAll(removeTempRepos);

const cli = (cwd: string, args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'querygate.js'), ...args], { cwd, encoding: 'utf8' });

describe('a revision that looks like an option', () => {
  it.each([
    ['history --range=--output=FILE', (file: string) => ['history', `--range=--output=${file}`], 'history'],
    ['history --range=--output=FILE..HEAD', (file: string) => ['history', `--range=--output=${file}..HEAD`], 'history'],
    ['compare --base=--output=FILE', (file: string) => ['compare', `--base=--output=${file}`], '--base'],
    ['run --against=--output=FILE', (file: string) => ['run', '--db', 'sqlite', `--against=--output=${file}`], '--against'],
  ])('%s exits 2 naming the revision, and git writes no file', (_name, args, flag) => {
    const repo = createTempRepo();
    repo.commit('c0');
    const file = join(repo.dir, 'written-by-git');
    const exit = cli(repo.dir, args(file));
    const context = `exit ${exit.status}\n${exit.stdout}\n${exit.stderr}`;
    expect(exit.status, context).toBe(2);
    expect(exit.stderr, context).toMatch(new RegExp(`^querygate: error: ${flag}.*starts with "-"`, 'm'));
    expect(existsSync(file), context).toBe(false);
  });

  it('is refused by readHistory, findBaseResult and loadRevision before git runs', async () => {
    const repo = createTempRepo();
    repo.commit('c0');
    const file = join(repo.dir, 'written-by-git');
    expect(() => readHistory(`--output=${file}`, { cwd: repo.dir })).toThrow(UsageError);
    expect(() => findBaseResult(`--output=${file}`, { cwd: repo.dir })).toThrow(UsageError);
    await expect(loadRevision(`--output=${file}`, 'fixed', repo.dir)).rejects.toThrow(UsageError);
    expect(existsSync(file)).toBe(false);
  });

  it('leaves ordinary revisions and ranges alone', () => {
    const repo = createTempRepo();
    repo.commit('c0');
    repo.commit('c1');
    expect(readHistory('HEAD', { cwd: repo.dir }).commits).toBe(2);
    expect(readHistory('HEAD~1..HEAD', { cwd: repo.dir }).commits).toBe(1);
    expect(() => findBaseResult('HEAD', { cwd: repo.dir })).toThrow(/no result notes in this repository/);
  });
});
