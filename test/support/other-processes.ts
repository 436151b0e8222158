import { spawn, type ChildProcess } from 'node:child_process';
import { processStartTime } from '../../harness/system/process-registry.js';

/** Tests of what other users leave behind run as root here: files and folders are given to `nobody`. */
export const isRoot = process.getuid?.() === 0;
export const NOBODY = 65534;

const started: ChildProcess[] = [];

/**
 * A live process that is no querygate (a `sleep`), once the kernel shows its start time: a pid a
 * forged registry entry or keeper file could name. Call killOtherProcesses() in afterEach.
 */
export async function otherProcess(): Promise<{ pid: number; startTime: string }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  started.push(child);
  for (;;) {
    const startTime = processStartTime(child.pid ?? -1);
    if (startTime !== null) return { pid: child.pid ?? -1, startTime };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function killOtherProcesses(): void {
  for (const child of started.splice(0)) child.kill('SIGKILL');
}
