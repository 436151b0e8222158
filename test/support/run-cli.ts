import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'querygate.js');

/** How a CLI process ended, with everything it printed. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  ms: number;
}

export interface CliProcess {
  child: ChildProcess;
  exited: Promise<CliExit>;
  /** Resolves when stderr has printed a line matching the pattern; rejects on exit or timeout. */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<void>;
  stderr(): string;
}

/**
 * Starts `node bin/querygate.js ARGS` as CI would (cwd the checkout, CI=true, no terminal),
 * without the caller's DATABASE_URL unless `env` gives one. `checkout`: another clone's root.
 */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, checkout = ROOT): CliProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [checkout === ROOT ? BIN : join(checkout, 'bin', 'querygate.js'), ...args], {
    cwd: checkout,
    env: { ...inherited, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const watcher of watchers) watcher();
  });
  const exited = new Promise<CliExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
      for (const watcher of watchers) watcher();
    });
  });
  return {
    child,
    exited,
    stderr: () => stderr,
    waitForStderr(pattern, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no stderr line matching ${pattern} within ${timeoutMs} ms; stderr so far:\n${stderr}`)), timeoutMs);
        const check = () => {
          if (pattern.test(stderr)) done();
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`the CLI exited before printing ${pattern}; stderr:\n${stderr}`));
        };
        const done = (error?: Error) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to its end; kills it (and fails) if it takes longer than timeoutMs. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000, checkout = ROOT): Promise<CliExit> {
  const cli = startCli(args, env, checkout);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** For assertion messages: the whole exchange. */
export const showExit = (exit: CliExit): string =>
  `exit ${exit.code ?? exit.signal} after ${Math.round(exit.ms)} ms\n--- stdout\n${exit.stdout}\n--- stderr\n${exit.stderr}`;

/** Lines of stderr, without empty ones. */
export const stderrLines = (exit: CliExit): string[] => exit.stderr.split('\n').filter((line) => line.trim() !== '');
