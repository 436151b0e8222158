import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { UsageError } from '../core/errors.js';
import { ensureCacheDir } from '../system/cache-dir.js';
import { fillOnce } from '../system/fill-once.js';
import { gitBytes, tryGit } from '../system/git.js';

/** REF's own dependencies, installed from its lockfile. */
export interface RevisionDependencies {
  /** The installed node_modules, shared by every run of this lockfile. */
  nodeModules: string;
  /** Installed by this run (false: reused), and how long that took. */
  installed: boolean;
  installMs: number;
}

/** The longest an install may take before the run stops saying so. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  hasInstallScript?: boolean;
  dev?: boolean;
  optional?: boolean;
}
type Lockfile = { packages?: Record<string, LockEntry> };

/**
 * Installs REF's dependencies when its package-lock.json differs from the working tree's, so that
 * its side runs with its own knex, drivers and whatever else src/ imports: `npm ci` of REF's
 * package.json and lockfile, production dependencies only (what the endpoint can import), in the
 * cache folder under a hash of the two files, reused by every later run. Native packages identical
 * to the working tree's (same version and integrity) take its build instead of compiling again;
 * the others are built. Undefined when the lockfiles are equal: nothing is installed or timed.
 * A lockfile that cannot be installed stops the run (UsageError: exit 2) saying why.
 */
export function revisionDependencies(root: string, sha: string, ref: string, onProgress: (message: string) => void = () => {}): RevisionDependencies | undefined {
  const theirs = { manifest: tryGit(['show', `${sha}:package.json`], root), lock: tryGit(['show', `${sha}:package-lock.json`], root) };
  const ourLock = existsSync(join(root, 'package-lock.json')) ? readFileSync(join(root, 'package-lock.json'), 'utf8') : null;
  if (theirs.lock === null || ourLock === null || theirs.lock.trim() === ourLock.trim()) return undefined;
  if (theirs.manifest === null) throw new UsageError(`--against ${ref}: it has a package-lock.json but no package.json, so its dependencies cannot be installed`);
  const lock = parseLock(theirs.lock, ref);
  const key = createHash('sha256').update(theirs.manifest).update('\0').update(theirs.lock).digest('hex').slice(0, 16);
  const target = join(ensureCacheDir(), 'dependencies', key);
  const nodeModules = join(target, 'node_modules');
  if (existsSync(join(target, 'installed'))) return { nodeModules, installed: false, installMs: 0 };
  const started = Date.now();
  onProgress(`${ref}: its package-lock.json differs from the working tree's: installing its dependencies (npm ci, once per lockfile)`);
  const filled = fillOnce(target, 'installed', (scratch) => {
    writeFileSync(join(scratch, 'package.json'), theirs.manifest as string);
    writeFileSync(join(scratch, 'package-lock.json'), theirs.lock as string);
    exportLocalPackages(root, sha, ref, lock, scratch);
    npm(scratch, ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], ref);
    buildNativePackages(root, lock, scratch, ref);
    writeFileSync(join(scratch, 'installed'), `${new Date().toISOString()}\n`);
  }, 0o700);
  if (!filled) return { nodeModules, installed: false, installMs: 0 };
  return { nodeModules, installed: true, installMs: Date.now() - started };
}

/** Makes REF's exported tree (`dir`, holding src/) resolve its imports from `nodeModules`. */
export function linkNodeModules(dir: string, nodeModules: string): void {
  const link = join(dir, 'node_modules');
  if (existsSync(link) && lstatSync(link).isSymbolicLink() && readlinkSync(link) === nodeModules) return;
  rmSync(link, { recursive: true, force: true });
  try {
    symlinkSync(nodeModules, link, 'dir');
  } catch (error) {
    // A concurrent run of the same REF linked it the same way.
    if (!(existsSync(link) && readlinkSync(link) === nodeModules)) throw error;
  }
}

function parseLock(text: string, ref: string): Lockfile {
  try {
    const lock = JSON.parse(text) as Lockfile;
    if (typeof lock === 'object' && lock !== null && typeof lock.packages === 'object') return lock;
  } catch {
    // Reported below.
  }
  throw new UsageError(`--against ${ref}: its package-lock.json is not a lockfile npm ci can install (lockfileVersion 2 or 3 with "packages")`);
}

/** Packages REF installs from its own tree (`file:` tarballs and folders): exported beside its lockfile. */
function exportLocalPackages(root: string, sha: string, ref: string, lock: Lockfile, scratch: string): void {
  const paths = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (entry.dev === true || entry.optional === true) continue;
    const local = entry.resolved?.startsWith('file:') === true ? entry.resolved.slice('file:'.length) : entry.link === true ? entry.resolved : undefined;
    if (local !== undefined && path !== '') paths.add(normalize(local));
  }
  const inside = [...paths].filter((p) => !p.startsWith('..') && !p.startsWith('/'));
  if (inside.length === 0) return;
  const missing = inside.filter((p) => tryGit(['cat-file', '-e', `${sha}:${p}`], root) === null);
  if (missing.length > 0) {
    throw new UsageError(`--against ${ref}: its package-lock.json installs ${missing.slice(0, 3).join(', ')}, which its tree does not hold, so its dependencies cannot be installed`);
  }
  const tar = gitBytes(['archive', '--format=tar', sha, '--', ...inside], undefined, root);
  const untar = spawnSync('tar', ['-x', '-C', scratch], { input: tar });
  if (untar.status !== 0) throw new UsageError(`unpacking the local packages of ${sha.slice(0, 12)} failed: ${untar.stderr.toString().trim()}`);
}

/**
 * Builds REF's packages that have install scripts: one identical to the working tree's (same
 * version and integrity) takes the working tree's installed copy, build included; the others
 * are rebuilt by npm (their scripts run).
 */
function buildNativePackages(root: string, lock: Lockfile, scratch: string, ref: string): void {
  const ours = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile).packages ?? {};
  const toBuild: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.hasInstallScript !== true || entry.dev === true || entry.optional === true) continue;
    const mine = ours[path];
    const installed = join(root, path);
    if (mine !== undefined && mine.version === entry.version && mine.integrity !== undefined && mine.integrity === entry.integrity && existsSync(installed)) {
      rmSync(join(scratch, path), { recursive: true, force: true });
      cpSync(installed, join(scratch, path), { recursive: true, dereference: false });
    } else {
      toBuild.push(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    }
  }
  if (toBuild.length > 0) npm(scratch, ['rebuild', ...toBuild], ref);
}

function npm(cwd: string, args: string[], ref: string): void {
  const done = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
    env: { ...installEnvironment(process.env), npm_config_update_notifier: 'false', npm_config_loglevel: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (done.status !== 0) {
    const why = done.error !== undefined ? done.error.message : (done.stderr || done.stdout).trim().split('\n').slice(-3).join(' ').slice(0, 400);
    throw new UsageError(`--against ${ref}: its dependencies cannot be installed: npm ${args[0]} ${done.signal === null ? `exited ${done.status}` : `was stopped (${done.signal})`}: ${why}`);
  }
}

/** What npm needs of the environment to install (its own settings, proxies, paths), and nothing else. */
const INSTALL_ENV = /^(PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TMPDIR|TEMP|TMP|SHELL|(HTTPS?|NO)_PROXY|(https?|no)_proxy|npm_config_.+|NODE_EXTRA_CA_CERTS)$/;

/**
 * The environment of REF's install: its packages' install scripts run in it, so it holds none of
 * the run's secrets (DATABASE_URL and its password, PG* settings, GITHUB_TOKEN, ...).
 */
export function installEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => INSTALL_ENV.test(name)));
}
