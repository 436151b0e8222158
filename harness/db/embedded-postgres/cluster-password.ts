/**
 * The superuser's password of a cluster: random, made at initdb, kept in the data directory in a
 * file only its owner (the querygate user, root included) may read. Every process that starts or
 * joins the server reads it there; it is never on a command line nor in the keeper's file.
 *
 * A cluster made by an older querygate has no such file, and its superuser the password every
 * installation shared ('querygate'). Its first start gives it a random one, through postgres's
 * single-user mode before the server starts: no socket is open meanwhile, so there is no moment
 * when the old password lets anyone in. (Re-initialising would do too, but would throw the
 * fixtures away; the data stays.)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Binaries } from './binary-staging.js';
import { INITDB_TIMEOUT_MS, PASSWORD_FILE, SUPERUSER } from './options.js';
import { asUser, runCmd, type RunAs } from './postgres-command.js';
import { indent } from './util.js';

/** 192 random bits, in characters that need no quoting in SQL nor encoding in a URL. */
export function newClusterPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
export function superuserUrl(port: number, password: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** Writes the password file into `dir` (a data directory, or initdb's sibling of it): mode 600, created exclusively, then renamed into place. */
export function writePasswordFile(dir: string, password: string): void {
  const file = path.join(dir, PASSWORD_FILE);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * The password of the cluster in `dataDir`, or null when it has no password file (made by an
 * older querygate). Throws when the file is not one we wrote: a link, another user's, readable
 * by others, or not a password.
 */
export function readClusterPassword(dataDir: string): string | null {
  const file = path.join(dataDir, PASSWORD_FILE);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw new Error(`cannot read the embedded Postgres password file ${file}: ${(error as { code?: string }).code ?? String(error)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    const me = process.getuid?.() ?? -1;
    if (!stat.isFile() || stat.uid !== me || (stat.mode & 0o077) !== 0) {
      throw new Error(`refusing the embedded Postgres password file ${file}: it must be a file of uid ${me} with mode 600 (it is uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8)})`);
    }
    const password = fs.readFileSync(fd, 'utf8').trim();
    if (!/^[A-Za-z0-9_-]{16,}$/.test(password)) throw new Error(`refusing the embedded Postgres password file ${file}: it does not hold a password querygate made`);
    return password;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The cluster's password; a cluster without one (an older querygate's) gets a new random one
 * first, in single-user mode. The server must not be running.
 */
export async function ensureClusterPassword(dataDir: string, bins: Binaries, runAs: RunAs, log: (line: string) => void): Promise<string> {
  const known = readClusterPassword(dataDir);
  if (known !== null) return known;
  const password = newClusterPassword();
  const postgres = path.join(bins.nativeDir, 'bin', 'postgres');
  // On stdin, not the command line (ps shows that). postgres --single exits 0 even when the
  // statement fails, and its log repeats the statement: read the log for errors, and never show the password.
  const r = await runCmd(asUser(runAs, postgres, ['--single', '-D', dataDir, 'postgres'], { deathSignal: 'SIGKILL' }), {
    timeoutMs: INITDB_TIMEOUT_MS,
    cwd: path.dirname(dataDir),
    input: `ALTER ROLE ${SUPERUSER} PASSWORD '${password}'\n`,
  });
  if (r.code !== 0 || /\b(ERROR|FATAL|PANIC):/.test(r.stderr)) {
    const lines = `${r.stdout}${r.stderr}`.replaceAll(password, '***').split('\n').filter((line) => line.trim() !== '');
    throw new Error(`could not give the superuser of ${dataDir} a password of its own (postgres --single: exit code ${r.code ?? 'none'}). Last lines:\n${indent(lines.slice(-20))}`);
  }
  writePasswordFile(dataDir, password);
  log(`querygate: ${dataDir} was made by an older querygate with the password every installation shared; its superuser now has a random one (${PASSWORD_FILE}, mode 600)`);
  return password;
}
