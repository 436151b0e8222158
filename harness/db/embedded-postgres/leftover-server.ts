/**
 * A server some earlier run left on the data directory: stopped when orphaned, refused when a live
 * process owns it, its stale postmaster.pid removed.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';

import { procInfo, realpathOr, findPostgresProcesses, sleep, trySignal, signalAndWait } from './processes.js';
import type { RunAs } from './postgres-command.js';
import { errorCode } from './util.js';

/**
 * A postmaster.pid left in the data directory. Gone process: remove the file. Alive and a
 * postgres serving this directory: stop it when it is an orphan of ours (its parent died, e.g.
 * an older run without the parent-death guard); refuse when it belongs to another user or to a
 * live process (a concurrent run). Alive but something else: the pid was reused, remove the file.
 */
export async function handleLeftoverServer(dataDir: string, runAs: RunAs, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let text: string;
  try {
    text = await fsp.readFile(pidFile, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  const real = realpathOr(dataDir);
  const pid = Math.abs(Number.parseInt(text.split('\n')[0] ?? '', 10));
  const info = Number.isInteger(pid) && pid > 0 ? procInfo(pid) : null;
  const servesDir =
    info !== null &&
    info.comm === 'postgres' &&
    (info.cwd === real || info.cmdline.some((arg, i) => info.cmdline[i - 1] === '-D' && realpathOr(arg) === real));
  if (info !== null && servesDir) {
    if (info.uid !== runAs.uid) {
      throw new Error(
        `The data directory ${dataDir} is in use by a running postgres (pid ${pid}) of another user (uid ${info.uid}); ` +
          'refusing to stop it. Stop it yourself, or use another data directory (option dataDir or QUERYGATE_CACHE_DIR).',
      );
    }
    const parent = info.ppid > 1 ? procInfo(info.ppid) : null;
    if (parent !== null) {
      throw new Error(
        `The data directory ${dataDir} is in use by a running postgres (pid ${pid}) started by a live process ` +
          `(pid ${parent.pid}: ${parent.cmdline.join(' ').slice(0, 200)}). Use another data directory, or stop that run first.`,
      );
    }
    log(`querygate: stopping postgres pid ${pid}, left running on ${dataDir} by an earlier run`);
    if (!(await signalAndWait(pid, 'SIGINT', 10_000)) && !(await signalAndWait(pid, 'SIGKILL', 5_000))) {
      throw new Error(`Could not stop postgres pid ${pid} left running on ${dataDir}.`);
    }
  } else {
    log(
      info === null
        ? `querygate: removing a stale postmaster.pid (pid ${pid} no longer runs)`
        : `querygate: removing a stale postmaster.pid (pid ${pid} is now an unrelated process: ${info.comm})`,
    );
  }
  // Backends of a killed postmaster notice its death and exit within moments; wait for them
  // (the lock file guards against two servers sharing the shared memory of one directory).
  const deadline = Date.now() + 5_000;
  let rest = findPostgresProcesses(dataDir);
  while (rest.length > 0 && Date.now() < deadline) {
    await sleep(100);
    rest = findPostgresProcesses(dataDir);
  }
  for (const p of rest) if (p.uid === runAs.uid && p.comm === 'postgres') trySignal(p.pid, 'SIGKILL');
  await fsp.rm(pidFile, { force: true });
}
