import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentError } from '../core/errors.js';

/**
 * Where fixtures and the embedded server's data live: under the system's temporary folder,
 * which the unprivileged `postgres` user can reach even when the checkout is under /root.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['QUERYGATE_CACHE_DIR'];
  return chosen !== undefined && chosen !== '' ? resolve(chosen) : join(tmpdir(), `querygate-${userInfo().uid}`);
}

/**
 * The mode a cache folder is made with. Ours alone (700), except as root: then the embedded
 * Postgres runs as the `postgres` user, which must pass through the folder to its data directory
 * (and cluster-init checks that it can). 711 lets it, and every other user, pass through without
 * listing or writing: what lies inside is then reachable only by a name that is known (the data
 * directory, itself 700 and the postgres user's), and every file of ours there is mode 600.
 */
export function cacheFolderMode(): number {
  return process.getuid?.() === 0 ? 0o711 : 0o700;
}

/**
 * The cache folder, created with {@link cacheFolderMode} when missing, and checked to be ours
 * (see {@link ensureOwnFolder}) before anything in it is read or trusted.
 */
export function ensureCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return ensureOwnFolder(cacheDir(env), 'the cache folder');
}

/**
 * Creates `dir` (mode {@link cacheFolderMode}) when missing, and refuses, with an environment
 * error (exit 3) that names it and what is wrong, a folder whose contents another user could have
 * put there or could change: a symbolic link, not a folder, another user's, or writable by its
 * group or others. Its name is easy to guess (`/tmp/querygate-<uid>`), so anyone may have made
 * it first; what it holds (the keeper file, fixtures) is trusted only because it is ours.
 * Readable by others is allowed (a folder the user chose may well be): our secrets in it are
 * files of mode 600. Returns `dir`.
 */
export function ensureOwnFolder(dir: string, what: string): string {
  const mode = cacheFolderMode();
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true, mode });
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw new EnvironmentError(`cannot create ${what} ${dir}: ${code}`, FOLDER_HINT);
  }
  // The umask may have taken the x that the postgres user needs.
  if (created !== undefined) chmodSync(dir, mode);
  const problem = folderProblem(dir);
  if (problem !== null) throw new EnvironmentError(`refusing to use ${what} ${dir}: ${problem}`, FOLDER_HINT);
  return dir;
}

const FOLDER_HINT = 'remove it, or set QUERYGATE_CACHE_DIR to a folder of your own that only you can write to';

/** What makes `dir` untrustworthy, or null when it is a folder of ours that nobody else can write to. */
function folderProblem(dir: string): string | null {
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) return 'it is a symbolic link (its owner could point it anywhere); name the folder itself';
  if (!stat.isDirectory()) return 'it is not a folder';
  const me = process.getuid?.() ?? -1;
  if (stat.uid !== me) return `it belongs to uid ${stat.uid}, not to this user (uid ${me})`;
  const writers = [(stat.mode & 0o020) !== 0 ? 'its group' : null, (stat.mode & 0o002) !== 0 ? 'others' : null].filter((w) => w !== null);
  if (writers.length > 0) return `it is writable by ${writers.join(' and ')} (mode ${(stat.mode & 0o7777).toString(8)})`;
  return null;
}
