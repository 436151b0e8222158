import { leaveAllSharedClusters, stopAllEmbeddedPostgres } from '../db/embedded-postgres/index.js';
import { watchParent } from './parent-watch.js';

/**
 * The run's own unwinding gets this long after SIGINT/SIGTERM (or its parent's end); then the
 * servers are stopped (or the shared one left) here and the process exits, whatever the run is
 * doing: a run told to stop must end within about a second, with its server.
 */
const GRACE_MS = 250;

/**
 * Runs fn with SIGINT/SIGTERM, and the death of the parent process, turned into an abort: the run
 * stops at the next measurement, its finally-blocks stop the servers; if that takes longer than
 * the grace period, stop them here. An aborted run exits with 130/143 and writes no result.
 */
export async function withSignals<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals, why: string = name) => {
    const code = name === 'SIGINT' ? 130 : 143;
    if (controller.signal.aborted) return;
    // The parent's end may have closed our stderr too.
    try {
      process.stderr.write(`\nquerygate: ${why}: stopping\n`);
    } catch {
      // nobody reads it any more
    }
    controller.abort(new Error(`interrupted by ${why}`));
    setTimeout(() => {
      void Promise.all([leaveAllSharedClusters(), stopAllEmbeddedPostgres()]).finally(() => process.exit(code));
    }, GRACE_MS).unref();
    process.exitCode = code;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const unwatch = watchParent(() => onSignal('SIGTERM', 'the parent process is gone'));
  try {
    const value = await fn(controller.signal);
    // Interrupted runs never leave a result behind that could claim a pass.
    if (controller.signal.aborted) throw controller.signal.reason;
    return value;
  } catch (error) {
    if (controller.signal.aborted) {
      await Promise.all([leaveAllSharedClusters(), stopAllEmbeddedPostgres()]);
      process.exit(process.exitCode ?? 130);
    }
    throw error;
  } finally {
    unwatch();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
