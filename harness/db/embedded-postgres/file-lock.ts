/**
 * An exclusive lock between processes: the kernel's flock(2), held by util-linux's flock(1) for as
 * long as we keep a pipe to it open. The kernel releases it when we close the pipe or die however
 * we die, so a crashed holder never leaves a stale lock behind (a lock file with a pid would).
 */
import { spawn } from 'node:child_process';

export interface HeldLock {
  release(): void;
}

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/**
 * Waits up to timeoutMs for the lock on `file` (created when missing). timeoutMs 0: try once.
 * `what` names the lock in the error, e.g. "the embedded Postgres start lock".
 */
export function acquireFileLock(file: string, timeoutMs: number, what: string): Promise<HeldLock | null> {
  const wait = timeoutMs <= 0 ? ['-n'] : ['-w', String(timeoutMs / 1000)];
  return new Promise((resolve, reject) => {
    // `cat` holds the lock until its stdin (our pipe) closes.
    const child = spawn('flock', [...wait, file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let held = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    child.stdout.on('data', (d: string) => {
      out += d;
      if (held || !out.includes('locked')) return;
      held = true;
      resolve({
        release: () => {
          child.stdin.end();
          child.unref();
        },
      });
    });
    child.stdin.on('error', () => undefined);
    child.once('error', (error) => reject(new Error(`${what}: could not run flock(1) (util-linux): ${error.message}`)));
    child.once('exit', (code) => {
      if (held) return;
      if (code === 1 && timeoutMs <= 0) resolve(null);
      else if (code === 1) reject(new LockTimeoutError(`timed out after ${timeoutMs / 1000} s waiting for ${what} (${file})`));
      else reject(new Error(`${what}: flock(1) exited with ${code}: ${err.trim()}`));
    });
  });
}
