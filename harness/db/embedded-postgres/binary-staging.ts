/**
 * Staging: a copy of the native tree under os.tmpdir() for when the postgres user cannot run the
 * binaries in place (a checkout under a mode-700 /root), made once and atomically.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { locatePackagedBinaries, findBlockingAncestor, decideBinarySource, probeBinaries } from './binary-discovery.js';
import { type EmbeddedPostgresOptions, STAGE_MARKER } from './options.js';
import type { RunAs } from './postgres-command.js';
import { exists, errorCode } from './util.js';

/**
 * Copies the whole native/ tree (symlinks kept as symlinks, modes kept) to
 * `<stageRoot>/querygate-pg-bin-<version>/` once: copied into a temporary sibling, marked
 * complete, then renamed into place, so a concurrent or crashed copy is never used half-done.
 */
export async function stageNativeTree(sourceNativeDir: string, version: string, stageRoot: string, log: (line: string) => void = () => {}): Promise<string> {
  const safeVersion = version.replace(/[^A-Za-z0-9._-]/g, '_');
  const target = path.join(stageRoot, `querygate-pg-bin-${safeVersion}`);
  const marker = path.join(target, STAGE_MARKER);
  const myUid = process.getuid?.() ?? -1;

  const st = await fsp.lstat(target).catch(() => null);
  if (st !== null) {
    // Staged binaries are run by the postgres user and (as root) trusted: in a shared folder
    // such as /tmp, accept only a tree that we own and that nobody else can write.
    if (!st.isDirectory() || st.uid !== myUid || (st.mode & 0o022) !== 0) {
      throw new Error(
        `Refusing to run Postgres binaries from ${target}: it is not a directory owned by uid ${myUid} and ` +
          `writable only by it. Remove it (or set stageRoot / TMPDIR elsewhere).`,
      );
    }
    if (await exists(marker)) return target;
    log(`querygate: removing the incomplete staged binaries at ${target}`);
    await fsp.rm(target, { recursive: true, force: true });
  }

  await fsp.mkdir(stageRoot, { recursive: true });
  await removeOldStagingLeftovers(stageRoot, path.basename(target));
  const tmp = await fsp.mkdtemp(`${target}.tmp-`);
  const t0 = performance.now();
  try {
    await fsp.cp(sourceNativeDir, tmp, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    // Binaries must be executable (the package's own launcher fixes this mode too).
    for (const name of await fsp.readdir(path.join(tmp, 'bin'))) {
      const file = path.join(tmp, 'bin', name);
      const s = await fsp.lstat(file);
      if (s.isFile()) await fsp.chmod(file, (s.mode & 0o7777) | 0o555);
    }
    await fsp.chmod(tmp, 0o755); // mkdtemp made it 0700
    await fsp.writeFile(path.join(tmp, STAGE_MARKER), JSON.stringify({ source: sourceNativeDir, version, stagedAt: new Date().toISOString() }) + '\n', { mode: 0o644 });
    try {
      await fsp.rename(tmp, target);
    } catch (err) {
      const code = errorCode(err);
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(marker))) {
        return target; // a concurrent run staged it first
      }
      throw err;
    }
    log(`querygate: staged the Postgres binaries in ${target} (${Math.round(performance.now() - t0)} ms)`);
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return target;
}

/** Temporary copies left by a staging run that died (older than ten minutes). */
async function removeOldStagingLeftovers(stageRoot: string, baseName: string): Promise<void> {
  const prefix = `${baseName}.tmp-`;
  for (const name of await fsp.readdir(stageRoot).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const p = path.join(stageRoot, name);
    const s = await fsp.lstat(p).catch(() => null);
    if (s !== null && s.uid === (process.getuid?.() ?? -1) && Date.now() - s.mtimeMs > 10 * 60_000) {
      await fsp.rm(p, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

export interface Binaries {
  nativeDir: string;
  staged: boolean;
  packageVersion: string;
  /** The binaries' own version, e.g. "17.10". */
  serverVersion: string;
}

export async function resolveBinaries(opts: EmbeddedPostgresOptions, runAs: RunAs, log: (line: string) => void): Promise<Binaries> {
  let sourceDir: string;
  let packageVersion: string;
  if (opts.nativeDir !== undefined) {
    sourceDir = path.resolve(opts.nativeDir);
    packageVersion = 'custom';
  } else {
    const packaged = locatePackagedBinaries();
    sourceDir = packaged.nativeDir;
    packageVersion = packaged.packageVersion;
  }
  const forceStage = opts.forceStageBinaries === true;
  const probe = forceStage ? null : await probeBinaries(sourceDir, runAs);
  if (probe?.ok === true && decideBinarySource({ forceStage, packagedUsable: true }) === 'package') {
    return { nativeDir: sourceDir, staged: false, packageVersion, serverVersion: probe.version };
  }
  if (probe !== null && !probe.ok) {
    const blocking = findBlockingAncestor(sourceDir, { uid: runAs.uid, gids: runAs.gids });
    log(
      `querygate: the ${runAs.name} user cannot run the binaries in ${sourceDir} (${probe.reason})` +
        (blocking ? `; ${blocking.dir} has mode ${blocking.mode.toString(8)}` : '') +
        '; staging a copy',
    );
  }
  // Staged copies are named after the version; a custom tree gets a name of its own.
  const stageVersion = opts.nativeDir !== undefined ? `custom-${hashPath(sourceDir)}` : packageVersion;
  const staged = await stageNativeTree(sourceDir, stageVersion, opts.stageRoot ?? os.tmpdir(), log);
  const again = await probeBinaries(staged, runAs);
  if (!again.ok) {
    throw new Error(
      `The ${runAs.name} user cannot run the staged Postgres binaries in ${staged} either (${again.reason}). ` +
        `Is ${opts.stageRoot ?? os.tmpdir()} mounted noexec? Point TMPDIR (or the stageRoot option) at a folder that allows execution.`,
    );
  }
  return { nativeDir: staged, staged: true, packageVersion, serverVersion: again.version };
}

function hashPath(p: string): string {
  let h = 2166136261;
  for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}
