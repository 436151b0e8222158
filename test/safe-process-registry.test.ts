import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMeasuring } from '../harness/runner/measuring-registry.js';
import { listLive, processStartTime, register } from '../harness/system/process-registry.js';
import { testFolder } from './support/databases.js';
import { isRoot, killOtherProcesses, NOBODY, otherProcess } from './support/other-processes.js';

/**
 * Issue 21: the measuring registry is one world-writable folder for the whole machine. Whatever
 * another user (or a crashed run) leaves there, named like an entry, must never break a run, be
 * read through a link, or be removed unless it is our own; and our own entry is never written
 * through a link planted at a name we would use.
 */

afterEach(killOtherProcesses);

function deadPid(): number {
  let pid = 4_000_000;
  while (existsSync(`/proc/${pid}`)) pid++;
  return pid;
}

function registryDir(name: string): string {
  const dir = join(testFolder(name), 'measuring');
  mkdirSync(dir, { mode: 0o1777 });
  return dir;
}

describe('odd entries in the measuring registry', () => {
  it('are ignored, never fatal: a directory, a foreign file, links, a FIFO-like non-file', async () => {
    const dir = registryDir('odd-entries');
    const live = await otherProcess();
    const dead = deadPid();
    // A directory named like a stale entry and one named like a live one.
    mkdirSync(join(dir, `${dead}-1.json`));
    mkdirSync(join(join(dir, `${dead}-1.json`), 'inside'));
    mkdirSync(join(dir, `${live.pid}-${live.startTime}.json`));
    // Another user's stale entry: not ours to remove.
    const foreign = join(dir, `${dead}-2.json`);
    writeFileSync(foreign, JSON.stringify({ pid: dead, startTime: '2', data: { command: 'x', startedAt: 'y' } }));
    if (isRoot) chownSync(foreign, NOBODY, NOBODY);
    // Links named like a live entry, to a file that is not an entry and to one that would block a reader.
    const secretFile = join(testFolder('odd-target'), 'secret.json');
    writeFileSync(secretFile, JSON.stringify({ data: { command: 'read through a link', startedAt: 'z' } }));
    const other = await otherProcess();
    symlinkSync(secretFile, join(dir, `${other.pid}-${other.startTime}.json`));
    symlinkSync('/dev/zero', join(dir, `${process.pid}-1.json`));

    const session = startMeasuring(dir);
    const seen = session.finish();
    expect(JSON.stringify(seen)).not.toContain('read through a link');
    expect(seen).toEqual([]);
    expect(listLive(dir)).toEqual([]);
    expect(existsSync(foreign)).toBe(isRoot); // root could remove it, but it is not ours
    expect(lstatSync(join(dir, `${dead}-1.json`)).isDirectory()).toBe(true);
    // Our own entry came and went.
    expect(readdirSync(dir).filter((n) => n.startsWith(`${process.pid}-${processStartTime(process.pid)}`))).toEqual([]);
  });

  it.skipIf(!isRoot)('trusts an entry only when its file belongs to the user of the process it names', async () => {
    const dir = registryDir('forged-entry');
    const live = await otherProcess();
    const file = join(dir, `${live.pid}-${live.startTime}.json`);
    writeFileSync(file, JSON.stringify({ pid: live.pid, startTime: live.startTime, data: { command: 'forged by nobody', startedAt: 'x' } }));
    chownSync(file, NOBODY, NOBODY);
    expect(startMeasuring(dir).finish()).toEqual([]);
    expect(existsSync(file)).toBe(true);
  });

  it('never writes through a link planted at the name of our temporary entry', () => {
    const dir = registryDir('planted-tmp');
    const victim = join(testFolder('victim'), 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const start = processStartTime(process.pid);
    symlinkSync(victim, join(dir, `${process.pid}-${start}.json.tmp`));
    const registration = register(dir, { command: 'run' });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(listLive<{ command: string }>(dir).map((e) => e.data.command)).toEqual(['run']);
    registration.remove();
  });

  it('keeps measuring when it cannot register (the registry is a file), and leaves a replaced entry alone', () => {
    const base = testFolder('unregistrable');
    const file = join(base, 'measuring');
    writeFileSync(file, 'not a folder');
    expect(startMeasuring(file).finish()).toEqual([]);
    const registration = register(join(base, 'ok'), { command: 'run' });
    // Our entry replaced by a directory meanwhile: removing it must not throw.
    rmSync(registration.file);
    mkdirSync(join(registration.file, 'inside'), { recursive: true });
    expect(() => registration.remove()).not.toThrow();
  });
});
