import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/core/errors.js';
import { installEnvironment, linkNodeModules, revisionDependencies } from '../harness/runner/revision-dependencies.js';
import { testFolder } from './support/databases.js';
import { createTempRepo, removeTempRepos, type TempRepo } from './support/temp-repo.js';

/**
 * REF's own dependencies (#19): installed from its lockfile only when it differs from the working
 * tree's, once per lockfile, and a lockfile npm cannot install stops with exit 2 (UsageError).
 * The project here is tiny: one local tarball dependency, so npm ci needs no registry.
 */
let repo: TempRepo;
let cache: string;
const savedCache = process.env['QUERYGATE_CACHE_DIR'];

/** A package.json and lockfile depending on vendor/tiny-VERSION.tgz, with the tarball in the tree. */
function writeProject(dir: string, version: string): void {
  const staging = join(testFolder('tiny-package'), version, 'package');
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'tiny', version, main: 'index.js' }));
  writeFileSync(join(staging, 'index.js'), `module.exports = ${JSON.stringify(version)};\n`);
  mkdirSync(join(dir, 'vendor'), { recursive: true });
  const tarball = `vendor/tiny-${version}.tgz`;
  execFileSync('tar', ['-czf', join(dir, tarball), '-C', join(staging, '..'), 'package']);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(dir, tarball))).digest('base64')}`;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'project', version: '1.0.0', dependencies: { tiny: `file:${tarball}` } }, null, 2));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      name: 'project',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'project', version: '1.0.0', dependencies: { tiny: `file:${tarball}` } }, 'node_modules/tiny': { version, resolved: `file:${tarball}`, integrity } },
    }, null, 2),
  );
}

beforeEach(() => {
  repo = createTempRepo('qg-deps-');
  cache = testFolder(`deps-cache-${Math.random().toString(36).slice(2)}`);
  process.env['QUERYGATE_CACHE_DIR'] = cache;
  writeProject(repo.dir, '1.0.0');
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'REF');
});
afterEach(() => {
  if (savedCache === undefined) delete process.env['QUERYGATE_CACHE_DIR'];
  else process.env['QUERYGATE_CACHE_DIR'] = savedCache;
});
afterAll(removeTempRepos);

const ref = () => repo.git('rev-parse', 'HEAD').trim();
const installs = () => (existsSync(join(cache, 'dependencies')) ? readdirSync(join(cache, 'dependencies')) : []);

describe("REF's own dependencies", () => {
  it('installs nothing when the lockfiles are equal', () => {
    expect(revisionDependencies(repo.dir, ref(), 'HEAD')).toBeUndefined();
    expect(installs()).toEqual([]);
  });

  it("installs REF's lockfile (its local packages from REF's tree) once, and reuses it", () => {
    writeProject(repo.dir, '1.1.0');
    const first = revisionDependencies(repo.dir, ref(), 'HEAD');
    expect(first?.installed).toBe(true);
    expect(readFileSync(join(first!.nodeModules, 'tiny', 'index.js'), 'utf8')).toBe('module.exports = "1.0.0";\n');
    const again = revisionDependencies(repo.dir, ref(), 'HEAD');
    expect(again).toEqual({ nodeModules: first!.nodeModules, installed: false, installMs: 0 });
    expect(installs()).toHaveLength(1);
    // REF's exported tree resolves them.
    const exported = join(testFolder('exported-ref'), 'rev');
    mkdirSync(exported, { recursive: true });
    linkNodeModules(exported, first!.nodeModules);
    linkNodeModules(exported, first!.nodeModules);
    expect(readFileSync(join(exported, 'node_modules', 'tiny', 'package.json'), 'utf8')).toContain('"1.0.0"');
  });

  it('stops with a usage error naming npm when the lockfile cannot be installed, and leaves no half install', () => {
    // REF's lockfile pins another tarball's integrity than the one its tree holds.
    const lock = JSON.parse(readFileSync(join(repo.dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { integrity?: string }> };
    lock.packages['node_modules/tiny']!.integrity = `sha512-${createHash('sha512').update('another tarball').digest('base64')}`;
    writeFileSync(join(repo.dir, 'package-lock.json'), JSON.stringify(lock));
    repo.git('commit', '-qam', 'REF with a wrong integrity');
    writeProject(repo.dir, '1.1.0');
    const attempt = () => revisionDependencies(repo.dir, ref(), 'HEAD');
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/--against HEAD: its dependencies cannot be installed: npm ci exited \d+/);
    expect(installs()).toEqual([]);
  });

  it('stops with a usage error when the lockfile installs a local package its tree does not hold', () => {
    repo.git('rm', '-q', 'vendor/tiny-1.0.0.tgz');
    repo.git('commit', '-qm', 'REF without its tarball');
    writeProject(repo.dir, '1.1.0');
    expect(() => revisionDependencies(repo.dir, ref(), 'HEAD')).toThrow(/installs vendor\/tiny-1\.0\.0\.tgz, which its tree does not hold/);
    expect(installs()).toEqual([]);
  });

  it('refuses a lockfile npm ci cannot read', () => {
    writeFileSync(join(repo.dir, 'package-lock.json'), '{"lockfileVersion": 1, "dependencies": {}}');
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'an old lockfile');
    writeProject(repo.dir, '1.1.0');
    expect(() => revisionDependencies(repo.dir, ref(), 'HEAD')).toThrow(/its package-lock.json is not a lockfile npm ci can install/);
  });
});

describe("REF's install environment", () => {
  it("keeps what npm needs and none of the run's secrets, so REF's install scripts cannot read them", () => {
    const env = {
      PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', HTTPS_PROXY: 'http://proxy:3128', npm_config_cache: '/c', TMPDIR: '/tmp',
      DATABASE_URL: 'postgres://u:s3cret@db/x', PGPASSWORD: 's3cret', GITHUB_TOKEN: 'ghs_x', QUERYGATE_CACHE_DIR: '/q', AWS_SECRET_ACCESS_KEY: 'k',
    };
    expect(installEnvironment(env)).toEqual({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', HTTPS_PROXY: 'http://proxy:3128', npm_config_cache: '/c', TMPDIR: '/tmp' });
  });
});
