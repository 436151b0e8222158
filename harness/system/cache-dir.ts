import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where fixtures and the embedded server's data live: under the system's temporary folder,
 * which the unprivileged `postgres` user can reach even when the checkout is under /root.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['QUERYGATE_CACHE_DIR'];
  return chosen !== undefined && chosen !== '' ? resolve(chosen) : join(tmpdir(), `querygate-${userInfo().uid}`);
}
