import { describe, expect, it } from 'vitest';
import { dependencyChanges, lockedVersions } from '../harness/runner/dependency-changes.js';

const lock = (packages: Record<string, string>): string =>
  JSON.stringify({
    lockfileVersion: 3,
    packages: { '': { name: 'app' }, ...Object.fromEntries(Object.entries(packages).map(([path, version]) => [path, { version }])) },
  });

describe('the dependency changes --against names', () => {
  it('reads every installed package of a v3 lockfile once, nested copies by their first version', () => {
    const versions = lockedVersions(lock({ 'node_modules/knex': '3.3.0', 'node_modules/@types/pg': '8.1.0', 'node_modules/a/node_modules/knex': '2.0.0' }));
    expect([...versions]).toEqual([['knex', '3.3.0'], ['@types/pg', '8.1.0']]);
    expect(lockedVersions('not json').size).toBe(0);
  });

  it('names upgrades, additions and removals, direct dependencies first', () => {
    const before = lock({ 'node_modules/knex': '3.1.0', 'node_modules/zlib-x': '1.0.0', 'node_modules/old': '2.0.0', 'node_modules/same': '1.0.0' });
    const after = lock({ 'node_modules/knex': '3.3.0', 'node_modules/zlib-x': '1.0.1', 'node_modules/fresh': '0.1.0', 'node_modules/same': '1.0.0' });
    expect(dependencyChanges(before, after, new Set(['knex']))).toEqual(['knex 3.1.0 -> 3.3.0', 'fresh (new) 0.1.0', 'old 2.0.0 (removed)', 'zlib-x 1.0.0 -> 1.0.1']);
    expect(dependencyChanges(before, before)).toEqual([]);
  });

  it('names at most twelve and counts the rest', () => {
    const many = (v: string) => lock(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`node_modules/p${String(i).padStart(2, '0')}`, v])));
    const changes = dependencyChanges(many('1.0.0'), many('1.0.1'));
    expect(changes).toHaveLength(13);
    expect(changes[12]).toBe('and 8 more');
  });
});

describe('dependencyChangesSince: REF\'s committed lockfile against the working tree\'s', () => {
  it('names what changed, and nothing when the lockfiles are equal', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { dependencyChangesSince } = await import('../harness/runner/dependency-changes.js');
    const dir = mkdtempSync(join(tmpdir(), 'qg-deps-'));
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
      git('init', '-q');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { knex: '^3' } }));
      writeFileSync(join(dir, 'package-lock.json'), lock({ 'node_modules/knex': '3.1.0', 'node_modules/pg': '8.0.0' }));
      git('add', '.');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'base');
      const sha = git('rev-parse', 'HEAD');
      expect(dependencyChangesSince(dir, sha)).toEqual([]);
      writeFileSync(join(dir, 'package-lock.json'), lock({ 'node_modules/knex': '3.3.0', 'node_modules/pg': '8.0.0' }));
      expect(dependencyChangesSince(dir, sha)).toEqual(['knex 3.1.0 -> 3.3.0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
