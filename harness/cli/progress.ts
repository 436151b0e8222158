import type { SeedProgress } from '../fixture-store/fixture-store.js';
import type { Dialect } from '../core/result.js';

const tty = (): boolean => process.stderr.isTTY === true;

/** QUERYGATE_TRACE=1: progress as plain lines when stderr is no terminal (tests wait for them). */
const trace = (): boolean => process.env.QUERYGATE_TRACE === '1';

/**
 * One transient status line on a terminal; nothing at all when stderr is not one (CI logs),
 * unless QUERYGATE_TRACE=1, which prints each as a line `querygate: trace: <message>`.
 */
export function progressLine(message: string): void {
  if (!tty()) {
    if (trace()) process.stderr.write(`querygate: trace: ${message}\n`);
    return;
  }
  process.stderr.write(`\r\x1b[2K${message.slice(0, (process.stderr.columns ?? 80) - 1)}`);
}

export function clearProgress(): void {
  if (tty()) process.stderr.write('\r\x1b[2K');
}

/** A progress bar for seeding, shown once seeding has taken over a second, on a terminal only. */
export function seedProgressBar(): ((dialect: Dialect, progress: SeedProgress) => void) | undefined {
  if (!tty()) return undefined;
  let started: number | undefined;
  return (dialect, p) => {
    started ??= performance.now();
    if (performance.now() - started < 1000) return;
    const share = Math.min(1, p.done / Math.max(1, p.total));
    const width = 30;
    const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
    process.stderr.write(`\r\x1b[2Kseeding ${dialect} [${bar}] ${Math.round(share * 100)}% ${p.table}`);
  };
}
