/**
 * Never leave a server behind: the running servers of this process, stop(), the exit hook, the
 * signal handlers, and the watchdog used when setpriv (and so the parent-death signal) is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { STOP_GRACE_MS } from './options.js';
import { isGone, sleepSync, trySignal } from './processes.js';
import { childEnv } from './postgres-command.js';

export class RunningServer {
  exited = false;
  private readonly exitWaiters: Array<() => void> = [];
  private stopping: Promise<void> | undefined;
  watchdog: ChildProcess | null = null;
  /** Set once the server was handed to the caller: from then on stopping it frees the data directory. */
  ownsDataDir = false;

  constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly dataDir: string,
    private readonly log: (line: string) => void,
  ) {
    child.once('exit', (code, signal) => {
      this.exited = true;
      if (this.stopping === undefined && this.ownsDataDir) {
        this.log(`querygate: postgres pid ${this.pid} on ${this.dataDir} exited unexpectedly (code ${code ?? 'none'}, signal ${signal ?? 'none'})`);
      }
      this.watchdog?.kill('SIGKILL');
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.exited) {
        this.child.ref(); // keep the event loop alive until the server is down
        this.child.kill('SIGINT'); // fast shutdown
        if (!(await this.waitExit(STOP_GRACE_MS))) {
          this.log(`querygate: postgres pid ${this.pid} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
          this.child.kill('SIGKILL');
          await this.waitExit(STOP_GRACE_MS);
        }
      }
      this.watchdog?.kill('SIGKILL');
      running.delete(this);
      if (this.ownsDataDir) inUse.delete(this.dataDir);
    })();
    return this.stopping;
  }
}

export const running = new Set<RunningServer>();
/** Data directories started (or starting) in this process. */
export const inUse = new Set<string>();

/** Stops every embedded server of this process. For an application's own signal handler. */
export async function stopAllEmbeddedPostgres(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** The `exit` hook: synchronous (no event loop any more), so signal and poll /proc. */
function stopAllSync(): void {
  // Only servers whose exit was not seen: those are unreaped children, their pids cannot be reused.
  const live = [...running].filter((s) => !s.exited);
  if (live.length === 0) return;
  for (const s of live) trySignal(s.pid, 'SIGINT');
  const waitAll = (ms: number): boolean => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (live.every((s) => isGone(s.pid))) return true;
      if (Date.now() >= deadline) return false;
      sleepSync(20);
    }
  };
  if (!waitAll(STOP_GRACE_MS)) {
    for (const s of live) if (!isGone(s.pid)) trySignal(s.pid, 'SIGKILL');
    waitAll(2_000);
  }
}

let exitHookInstalled = false;
let signalHandlersInstalled = false;
let shuttingDownOn: NodeJS.Signals | null = null;
const HANDLED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onSignal(signal: NodeJS.Signals): void {
  // Someone else listens too: the application owns its shutdown (it calls
  // stopAllEmbeddedPostgres() or process.exit(), which runs the exit hook).
  if (process.listenerCount(signal) > 1) return;
  if (shuttingDownOn !== null) {
    // A second signal while stopping: stop hard, now.
    stopAllSync();
    reraise(signal);
    return;
  }
  shuttingDownOn = signal;
  void stopAllEmbeddedPostgres()
    .catch(() => undefined)
    .finally(() => reraise(signal));
}

/** Dies of the signal itself, so that the exit status tells it (130 for SIGINT, 143 for SIGTERM). */
function reraise(signal: NodeJS.Signals): void {
  for (const s of HANDLED_SIGNALS) process.removeListener(s, onSignal);
  if (process.listenerCount(signal) === 0) {
    process.kill(process.pid, signal);
  } else {
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  }
}

export function installProcessHooks(withSignals: boolean): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Runs on a normal end, process.exit() and uncaught errors (Node emits 'exit' then too).
    process.on('exit', stopAllSync);
  }
  if (withSignals && !signalHandlersInstalled) {
    signalHandlersInstalled = true;
    for (const s of HANDLED_SIGNALS) process.on(s, onSignal);
  }
}


/** Kills postgres when the pipe from this process closes, i.e. when this process dies however it dies. */
const WATCHDOG_SCRIPT =
  'while read -r _; do :; done; kill -INT "$1" 2>/dev/null || exit 0; i=0; ' +
  'while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null; exit 0';

export function startWatchdog(pid: number): ChildProcess {
  const dog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'querygate-pg-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
    env: childEnv(),
    cwd: '/',
  });
  dog.on('error', () => undefined);
  dog.unref();
  unrefStream(dog.stdin);
  return dog;
}

export function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}
