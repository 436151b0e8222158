import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { copyCheckout, type CheckoutCopy } from './support/checkout-copy.js';
import { testFolder } from './support/databases.js';
import { runCli, showExit, type CliExit } from './support/run-cli.js';

const CLI_TIMEOUT_MS = 480_000;
const PACKAGE = 'qg-workload';

/**
 * The package the endpoint calls once per list request: it holds the CPU for `spinMs`. Its
 * versions differ only in that figure, so a slowdown lives in the dependency alone.
 */
function packageSource(version: string, spinMs: number): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: PACKAGE, version, main: 'index.js' }),
    'index.js': `exports.work = function work() { const end = performance.now() + ${spinMs}; let x = 0; while (performance.now() < end) x += 1; return x; };\n`,
  };
}

/** Packs a version as npm would (a tarball with a package/ folder) under vendor/; returns its lockfile entry. */
function pack(repo: string, version: string, spinMs: number): { path: string; integrity: string } {
  const staging = join(testFolder('dependency-pack'), `${version}`, 'package');
  mkdirSync(staging, { recursive: true });
  for (const [file, text] of Object.entries(packageSource(version, spinMs))) writeFileSync(join(staging, file), text);
  const path = `vendor/${PACKAGE}-${version}.tgz`;
  mkdirSync(join(repo, 'vendor'), { recursive: true });
  execFileSync('tar', ['-czf', join(repo, path), '-C', join(staging, '..'), 'package']);
  return { path, integrity: `sha512-${createHash('sha512').update(readFileSync(join(repo, path))).digest('base64')}` };
}

/** Points package.json and package-lock.json at this version, and installs it in the repository's node_modules. */
function useVersion(repo: string, version: string, spinMs: number): void {
  const { path, integrity } = pack(repo, version, spinMs);
  const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies[PACKAGE] = `file:${path}`;
  writeFileSync(join(repo, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  (lock.packages[''] as { dependencies: Record<string, string> }).dependencies[PACKAGE] = `file:${path}`;
  lock.packages[`node_modules/${PACKAGE}`] = { version, resolved: `file:${path}`, integrity };
  writeFileSync(join(repo, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const installed = join(repo, 'node_modules', PACKAGE);
  rmSync(installed, { recursive: true, force: true });
  mkdirSync(installed);
  for (const [file, text] of Object.entries(packageSource(version, spinMs))) writeFileSync(join(installed, file), text);
}

/**
 * "`--against` sees every change a pull request can make" (#19): a pull request that changes only
 * the lockfile (a dependency of the endpoint made slower in its new version) is measured with each
 * side's own dependencies: REF's are installed from its lockfile into the cache, once.
 */
describe('run --against REF when only the dependencies differ (small profile, --quick, SQLite)', () => {
  let checkout: CheckoutCopy;
  const cache = testFolder('dependency-cache');
  const runs: Record<'slower' | 'bumped' | 'same', { out: string; exit: CliExit }> = {} as never;
  const resultOf = (name: keyof typeof runs) => JSON.parse(readFileSync(join(runs[name].out, 'result.json'), 'utf8')) as RunResult;
  const installs = () => (existsSync(join(cache, 'dependencies')) ? readdirSync(join(cache, 'dependencies')) : []);

  beforeAll(async () => {
    checkout = copyCheckout('dependencies', 'own');
    const { repo, git } = checkout;
    // The base: fixed calls the package once per list request; version 1.0.0 spins 0.2 ms.
    useVersion(repo, '1.0.0', 0.2);
    const fixed = join(repo, 'src', 'impl', 'fixed.ts');
    const text = readFileSync(fixed, 'utf8');
    writeFileSync(
      fixed,
      `import { work } from '${PACKAGE}';\n${text.replace('export async function loadFixedItems(db: Knex, rows: readonly ArtifactRecord[]) {\n', 'export async function loadFixedItems(db: Knex, rows: readonly ArtifactRecord[]) {\n  work();\n')}`,
    );
    expect(readFileSync(fixed, 'utf8')).toContain('  work();\n');
    git('add', '-A');
    git('commit', '-qm', 'the endpoint calls qg-workload 1.0.0');

    const env = { QUERYGATE_CACHE_DIR: cache, GITHUB_STEP_SUMMARY: '' };
    const against = async (name: keyof typeof runs, db = 'sqlite') => {
      const out = join(repo, `out-${name}`);
      runs[name] = { out, exit: await runCli(['run', '--against', 'HEAD', '--db', db, '--quick', '--profile', 'small', '--scenario', 'list-50', '--no-plans', '--out', out], env, CLI_TIMEOUT_MS, repo) };
    };
    // Unchanged: the lockfiles are equal, nothing is installed.
    await against('same');
    // The pull request: version 1.1.0 spins 1.4 ms, in the lockfile alone; on both databases, REF's
    // side through its own knex and its own driver (pg, better-sqlite3) from its own node_modules.
    useVersion(repo, '1.1.0', 1.4);
    await against('slower', 'all');
    // A version bump with the same code.
    useVersion(repo, '1.0.1', 0.2);
    await against('bumped');
  }, 3 * CLI_TIMEOUT_MS + 120_000);

  it('installs nothing when the lockfiles are equal, and compares as usual', () => {
    expect(runs.same.exit.code, showExit(runs.same.exit)).toBe(0);
    const against = resultOf('same').against;
    expect(against?.ownDependencies).toBeUndefined();
    expect(against?.dependencyChanges).toBeUndefined();
  });

  it("flags a dependency made slower in the lockfile alone: REF's side ran with its own, installed once", () => {
    expect(runs.slower.exit.code, showExit(runs.slower.exit)).toBe(1);
    const result = resultOf('slower');
    expect(result.against?.dependencyChanges).toEqual([`${PACKAGE} 1.0.0 -> 1.1.0`]);
    expect(result.against?.ownDependencies?.installed).toBe(true);
    const pair = (dialect: string) => result.pairs?.find((p) => p.kind === 'against' && p.dialect === dialect);
    expect(pair('sqlite')?.verdict, JSON.stringify(pair('sqlite'))).toBe('slower');
    const gate = result.results.find((r) => r.impl === 'fixed' && r.dialect === 'sqlite')?.gates.find((g) => g.id === 'no-slowdown-vs-ref');
    expect(gate?.pass).toBe(false);
    // Postgres, through REF's own pg: measured (a quick run on a loaded machine may not reach a verdict, but the ratio shows it).
    expect(result.results.find((r) => r.impl === 'fixed@HEAD' && r.dialect === 'postgres')?.state).toBe('completed');
    expect(pair('postgres')?.ratio, JSON.stringify(pair('postgres'))).toBeGreaterThan(1.05);
    expect(runs.slower.exit.stdout).toMatch(/Dependencies differ|dependencies differ/);
    expect(installs()).toHaveLength(1);
  });

  it('passes a version bump with the same code, reusing the install of the same REF lockfile', () => {
    expect(runs.bumped.exit.code, showExit(runs.bumped.exit)).toBe(0);
    const result = resultOf('bumped');
    expect(result.against?.dependencyChanges).toEqual([`${PACKAGE} 1.0.0 -> 1.0.1`]);
    expect(result.against?.ownDependencies).toEqual({ installed: false, installMs: 0 });
    expect(installs()).toHaveLength(1);
    const report = readFileSync(join(runs.bumped.out, 'report.md'), 'utf8');
    expect(report).toContain(`**Dependencies differ** from \`HEAD\` (${PACKAGE} 1.0.0 -> 1.0.1): each side ran with its own`);
  });
});
