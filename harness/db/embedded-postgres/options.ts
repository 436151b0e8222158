/**
 * The public options and handle of an embedded server, and the launcher's named constants.
 */


export interface EmbeddedPostgresOptions {
  /** Data directory. Default: `$QUERYGATE_CACHE_DIR/pg17`, else `<os.tmpdir()>/querygate-<uid>/pg17`. */
  dataDir?: string;
  /** TCP port on 127.0.0.1. Default: a free port (retried on a port race). */
  port?: number;
  /** Receives every log line of initdb and postgres, and the launcher's own notes. Default: silent. */
  onLog?: (line: string) => void;
  /** Run from a staged copy of the binaries even when the packaged ones are usable. */
  forceStageBinaries?: boolean;
  /** e.g. `['pg_stat_statements']` (then `pg_stat_statements.track=all` is set too). */
  sharedPreloadLibraries?: string[];
  /** How long the server may take to accept connections. Default 30 000 ms. */
  startTimeoutMs?: number;
  /**
   * Install SIGINT/SIGTERM/SIGHUP handlers that stop the servers and then re-raise the signal
   * (so the exit status is 130/143/129). They only act when they are the sole listener of that
   * signal: an application with its own handler owns its shutdown and should call
   * `stopAllEmbeddedPostgres()` from it (or exit through `process.exit()`, whose `exit` hook
   * stops the servers synchronously). Default true.
   */
  installSignalHandlers?: boolean;
  /**
   * Protection against our process being killed outright (SIGKILL, OOM killer):
   * `setpriv` (the kernel sends postgres SIGINT when we die; default when /usr/bin/setpriv
   * exists) or `watchdog` (a small shell that kills postgres when a pipe from us closes).
   */
  parentDeathGuard?: 'auto' | 'setpriv' | 'watchdog';
  /** Use this `native/` tree instead of the installed platform package's (tests, custom builds). */
  nativeDir?: string;
  /** Where staged binaries go. Default os.tmpdir(). */
  stageRoot?: string;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres`, the cluster's own random password. Print it only through redactUrl(). */
  url: string;
  port: number;
  /** `show server_version`, e.g. "17.10". */
  version: string;
  dataDir: string;
  /** pid of the postmaster. */
  pid: number;
  /** What this start cost: initdb (null when the data directory was reused) and the server start. */
  timings: { initdbMs: number | null; startMs: number };
  binaries: { nativeDir: string; staged: boolean; packageVersion: string };
  parentDeathGuard: 'setpriv' | 'watchdog';
  /** Fast shutdown (SIGINT), SIGKILL after a grace period; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

export const SUPERUSER = 'postgres';
/**
 * In the data directory: the superuser's password, random per cluster, mode 600 (see
 * cluster-password.ts). Never a fixed one: any local user can reach 127.0.0.1.
 */
export const PASSWORD_FILE = 'querygate-password';
/** Written into the data directory after initdb succeeded; a directory without it is not ours. */
export const CLUSTER_MARKER = 'querygate-cluster.json';
/** Written into a staged binary tree once it is complete. */
export const STAGE_MARKER = '.querygate-staged.json';
export const READY_LINE = 'database system is ready to accept connections';
export const DEFAULT_START_TIMEOUT_MS = 30_000;
export const INITDB_TIMEOUT_MS = 120_000;
export const STOP_GRACE_MS = 5_000;
export const LOG_TAIL_LINES = 40;
