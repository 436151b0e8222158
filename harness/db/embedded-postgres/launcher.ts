/**
 * Launching postgres itself: spawned in its own process group under its parent-death guard,
 * ready once it logs so and answers a query.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Binaries } from './binary-staging.js';
import { RunningServer, running, startWatchdog, unrefStream } from './lifetime-guards.js';
import { SUPERUSER, READY_LINE, LOG_TAIL_LINES } from './options.js';
import { PortInUseError } from './ports.js';
import { sleep } from './processes.js';
import { type RunAs, asUser, spawnOptions, forEachLine } from './postgres-command.js';
import { errorMessage, indent } from './util.js';

async function queryServerVersion(port: number, password: string, deadline: number): Promise<string> {
  let lastError: unknown;
  for (;;) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password,
      database: 'postgres',
      ssl: false,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const res = await client.query<{ server_version: string }>('show server_version');
      const version = res.rows[0]?.server_version;
      if (version !== undefined) return version;
      lastError = new Error('show server_version returned no row');
    } catch (err) {
      lastError = err;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (Date.now() >= deadline) {
      throw new Error(`the server logged that it is ready, but a connection failed: ${errorMessage(lastError)}`);
    }
    await sleep(100);
  }
}

interface LaunchInput {
  bins: Binaries;
  runAs: RunAs;
  dataDir: string;
  port: number;
  /** The superuser's password (cluster-password.ts). */
  password: string;
  settings: string[];
  guard: 'setpriv' | 'watchdog';
  timeoutMs: number;
  log: (line: string) => void;
}

/** postgres's output while it starts: logged, its last lines kept, and read for readiness and a taken port. */
class StartupLog {
  readonly tail: string[] = [];
  portInUse = false;
  ready = false;
  private readonly readyWaiters: Array<() => void> = [];

  constructor(private readonly log: (line: string) => void) {}

  readonly onLine = (line: string): void => {
    this.tail.push(line);
    if (this.tail.length > LOG_TAIL_LINES) this.tail.shift();
    this.log(line);
    if (/could not bind IPv4 address.*Address already in use/i.test(line)) this.portInUse = true;
    if (!this.ready && line.includes(READY_LINE)) {
      this.ready = true;
      for (const w of this.readyWaiters.splice(0)) w();
    }
  };

  /** Calls `fn` when postgres logs that it is ready (not if it already has). */
  onReady(fn: () => void): void {
    this.readyWaiters.push(fn);
  }
}

/** Whichever comes first: postgres ready, exited, failed to spawn, or `timeoutMs` gone by. */
function startupOutcome(child: ChildProcess, spawnError: Promise<Error>, startup: StartupLog, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout' | Error> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    const done = (v: 'ready' | 'exited' | Error): void => {
      clearTimeout(timer);
      resolve(v);
    };
    if (startup.ready) done('ready');
    startup.onReady(() => done('ready'));
    child.once('exit', () => done('exited'));
    void spawnError.then(done);
  });
}

export async function launch(input: LaunchInput): Promise<{ server: RunningServer; version: string; startMs: number }> {
  const { bins, runAs, dataDir, port, settings, guard, timeoutMs, log } = input;
  const postgresBin = path.join(bins.nativeDir, 'bin', 'postgres');
  const args = ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])];
  // setpriv: drop to the postgres user, then PR_SET_PDEATHSIG(SIGINT), then exec postgres (same
  // pid). setpriv sets the death signal after the credential change on purpose, because the
  // kernel clears it on a change of credentials; verified by the SIGKILLed-parent test.
  const spec =
    guard === 'setpriv'
      ? asUser(runAs, postgresBin, args, { deathSignal: 'SIGINT' })
      : asUser(runAs, postgresBin, args, { useSetpriv: false });
  const t0 = performance.now();
  const startup = new StartupLog(log);

  // detached: its own process group, so a Ctrl-C in the terminal reaches only us and we decide
  // the order of shutdown (our signal handler, or the application's).
  const child = spawn(spec.file, spec.args, spawnOptions(spec, { cwd: path.dirname(dataDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) {
    const err = await spawnError;
    throw new Error(`Could not start ${spec.file}: ${err.message}`);
  }
  const server = new RunningServer(child, pid, dataDir, log);
  running.add(server);
  if (guard === 'watchdog') server.watchdog = startWatchdog(pid);
  forEachLine(child.stdout, startup.onLine);
  forEachLine(child.stderr, startup.onLine);

  const failWith = async (message: string, ErrorClass: new (message: string) => Error = Error): Promise<never> => {
    await server.stop();
    throw new ErrorClass(`${message}\nLast log lines:\n${indent(startup.tail)}`);
  };

  const deadline = Date.now() + timeoutMs;
  const outcome = await startupOutcome(child, spawnError, startup, timeoutMs);
  if (outcome instanceof Error) return failWith(`Could not start postgres: ${outcome.message}`);
  if (outcome === 'exited') {
    // Let the last stderr lines arrive before quoting them.
    await sleep(50);
    if (startup.portInUse) return failWith(`postgres could not listen on 127.0.0.1:${port} (port in use)`, PortInUseError);
    return failWith(`postgres exited (code ${child.exitCode ?? 'none'}, signal ${child.signalCode ?? 'none'}) before accepting connections on ${dataDir}`);
  }
  if (outcome === 'timeout') return failWith(`postgres did not accept connections within ${timeoutMs / 1000} s (${dataDir})`);
  let version: string;
  try {
    version = await queryServerVersion(port, input.password, Math.max(deadline, Date.now() + 2_000));
  } catch (err) {
    return failWith(`postgres on 127.0.0.1:${port}: ${errorMessage(err)}`);
  }
  const startMs = performance.now() - t0;
  // Do not keep the event loop alive for the server: when the application is done, Node exits
  // and the exit hook stops the server (stop() is still the tidy way).
  child.unref();
  unrefStream(child.stdout);
  unrefStream(child.stderr);
  return { server, version, startMs };
}
