import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/core/errors.js';
import { findBaseResult, describeBase } from '../harness/git/find-base-result.js';
import { attachResultNote, decodeResultNote, encodeResultNote, listResultNotes, readNoteBlob } from '../harness/git/result-notes.js';
import type { RunResult } from '../harness/core/result.js';
import { sampleResult } from './fixtures/sample-result.js';
import { ROOT } from './support/run-cli.js';
import { createTempRepo, removeTempRepos } from './support/temp-repo.js';

afterAll(removeTempRepos);

describe('result notes', () => {
  it('store a small result as minified JSON and a large one gzipped, raw samples kept', () => {
    const small = { ...sampleResult(), results: sampleResult().results.map((r) => ({ ...r, rawSamples: r.rawSamples.slice(0, 3) })) };
    const smallNote = encodeResultNote(small);
    expect(smallNote.startsWith('{')).toBe(true);
    expect(JSON.parse(decodeResultNote(smallNote))).toEqual(small);

    const large = { ...sampleResult(), results: sampleResult().results.map((r, i) => ({ ...r, rawSamples: Array.from({ length: 3000 }, (_, k) => 1 + ((k * 7919 + i) % 997) / 1000) })) };
    const largeNote = encodeResultNote(large);
    expect(largeNote.startsWith('querygate-result gzip+base64\n')).toBe(true);
    expect(largeNote.length).toBeLessThan(JSON.stringify(large).length / 2);
    expect(JSON.parse(decodeResultNote(largeNote))).toEqual(large);
  });

  it('finds the note of the commit itself, or of its nearest first-parent ancestor, saying how far', () => {
    const repo = createTempRepo();
    const c0 = repo.commit('c0', 0);
    const older = { ...sampleResult(), startedAt: '2026-01-01T00:00:00.000Z' };
    attachResultNote(older, c0, repo.dir);
    repo.commit('c1', 1);
    const c2 = repo.commit('c2', 3);

    const base = findBaseResult('HEAD', { cwd: repo.dir });
    expect(base).toMatchObject({ requestedSha: c2, commit: c0, distance: 2, days: 3 });
    expect(JSON.parse(base.text).startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(describeBase(base)).toMatch(/has no result note; using its ancestor .* 2 first-parent commits and 3\.0 days older/);

    attachResultNote(sampleResult(), c2, repo.dir);
    const own = findBaseResult('main', { cwd: repo.dir });
    expect(own).toMatchObject({ commit: c2, distance: 0 });
    expect(describeBase(own)).toMatch(/itself/);
    expect(listResultNotes(repo.dir).size).toBe(2);
    expect(JSON.parse(readNoteBlob(listResultNotes(repo.dir).get(c0) ?? '', repo.dir)).startedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses, naming what it searched, when no ancestor has a note or the ref does not exist', () => {
    const repo = createTempRepo();
    repo.commit('c0');
    expect(() => findBaseResult('HEAD', { cwd: repo.dir })).toThrow(/no result notes in this repository.*git fetch origin refs\/notes\/querygate-results/);
    expect(() => findBaseResult('no-such-branch', { cwd: repo.dir })).toThrow(UsageError);
    const c1 = repo.commit('c1');
    attachResultNote(sampleResult(), c1, repo.dir);
    expect(() => findBaseResult('HEAD~1', { cwd: repo.dir })).toThrow(/no result note on HEAD~1 .* or any of its 0 first-parent ancestors/);
  });

  it('in a shallow pull-request clone with the notes fetched, says the clone is shallow, and finds the note once deepened', () => {
    const repo = createTempRepo();
    const c0 = repo.commit('c0', 0);
    attachResultNote(sampleResult(), c0, repo.dir);
    repo.commit('c1', 1);
    repo.commit('c2', 2);
    const shallow = createTempRepo('qg-shallow-');
    shallow.git('fetch', '-q', '--depth=1', `file://${repo.dir}`, 'main:refs/remotes/origin/main');
    shallow.git('fetch', '-q', `file://${repo.dir}`, 'refs/notes/querygate-results:refs/notes/querygate-results');
    expect(() => findBaseResult('origin/main', { cwd: shallow.dir })).toThrow(/in this shallow clone; deepen the clone \(git fetch --deepen=100\)/);
    shallow.git('fetch', '-q', '--deepen=5', `file://${repo.dir}`, 'main:refs/remotes/origin/main');
    expect(findBaseResult('origin/main', { cwd: shallow.dir })).toMatchObject({ commit: c0, distance: 2, days: 2 });
  });

  it('compare --base uses the note and says loudly which commit it took', () => {
    const repo = createTempRepo();
    const c0 = repo.commit('c0', 0);
    // A real run that passes: compare --base judges AFTER as a run too.
    const real = readFileSync(join(import.meta.dirname, 'fixtures', 'real-result.sqlite.json'), 'utf8');
    attachResultNote(JSON.parse(real) as RunResult, c0, repo.dir);
    repo.commit('c1', 2);
    const after = join(repo.dir, 'after.json');
    writeFileSync(after, real);
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'querygate.js'), ...args], { cwd: repo.dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });

    const same = cli(['compare', '--base', 'HEAD', after]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).toMatch(new RegExp(`warning: base: HEAD \\(\\w+\\) has no result note; using its ancestor ${c0.slice(0, 10)}, 1 first-parent commit and 2.0 days older`));
    expect(same.stdout.split('\n')[0]).toMatch(/^> base: HEAD/);

    const none = cli(['compare', '--base', 'HEAD', after, after]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/--base REF takes at most one result file/);
  });
});
