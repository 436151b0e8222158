/**
 * An exclusive lock between processes: the kernel's flock(2) on a file we keep open. Node has no
 * flock, so util-linux's flock(1) takes it on our descriptor, handed to it as fd 3 (the shell's
 * `exec 9>file; flock 9`): the lock belongs to the open file, which stays ours when flock(1)
 * exits. The kernel releases it when we close the file or die however we die, so a crashed
 * holder never leaves a stale lock behind (a lock file with a pid in it would).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface HeldLock {
  release(): void;
}

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/**
 * Waits up to timeoutMs for the lock on `file` (created when missing); timeoutMs 0: try once and
 * resolve null when it is taken. `what` names the lock in errors, e.g. "the embedded Postgres start lock".
 */
export async function acquireFileLock(file: string, timeoutMs: number, what: string): Promise<HeldLock | null> {
  const fd = fs.openSync(file, 'a', 0o600);
  const wait = timeoutMs <= 0 ? ['-n'] : ['-w', String(timeoutMs / 1000)];
  const outcome = await new Promise<{ code: number | null; stderr: string } | Error>((resolve) => {
    const child = spawn('flock', [...wait, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (stderr += d));
    child.once('error', resolve);
    child.once('close', (code) => resolve({ code, stderr }));
  });
  if (!(outcome instanceof Error) && outcome.code === 0) {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        fs.closeSync(fd);
      },
    };
  }
  fs.closeSync(fd);
  if (outcome instanceof Error) throw new Error(`${what}: could not run flock(1) (util-linux): ${outcome.message}`);
  if (outcome.code === 1 && timeoutMs <= 0) return null;
  if (outcome.code === 1) throw new LockTimeoutError(`timed out after ${timeoutMs / 1000} s waiting for ${what} (${file})`);
  throw new Error(`${what}: flock(1) exited with ${outcome.code}: ${outcome.stderr.trim()}`);
}
