import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../harness/core/errors.js';
import { findPostgresProcesses, joinSharedEmbeddedPostgres, startEmbeddedPostgres } from '../harness/db/embedded-postgres/index.js';
import { sharedClusterPaths, type KeeperState } from '../harness/db/embedded-postgres/shared-cluster.js';
import { openAdapter } from '../harness/db/open-adapter.js';
import { ensureCacheDir } from '../harness/system/cache-dir.js';
import { processStartTime } from '../harness/system/process-registry.js';
import { testFolder } from './support/databases.js';
import { isRoot, killOtherProcesses, NOBODY, otherProcess } from './support/other-processes.js';
import { runCli, showExit } from './support/run-cli.js';

/**
 * Issue 21: the cache folder (`/tmp/querygate-<uid>` by default) has a name anyone can guess. What
 * is in it is trusted (the keeper file says where the server is and which process to signal; the
 * SQLite fixtures are opened as they are), so it must be ours: owned by us, writable by nobody
 * else. Anything else is refused, exit 3, before a file in it is read.
 */

afterEach(killOtherProcesses);

/** A keeper file as a forger would write it: a URL of theirs, and a process of ours to be signalled. */
async function forgeKeeper(dataDir: string): Promise<{ keeper: number; server: number }> {
  const keeper = await otherProcess();
  const server = await otherProcess();
  const state: Partial<KeeperState> & Record<string, unknown> = {
    keeperPid: keeper.pid,
    keeperStartTime: keeper.startTime,
    url: 'postgres://postgres:x@203.0.113.7:5432/postgres',
    port: 5432,
    version: '17.0',
    pid: server.pid,
    libraries: [],
    timings: { initdbMs: null, startMs: 0 },
    binaries: { nativeDir: '/nowhere', staged: false, packageVersion: '17.0.0' },
    parentDeathGuard: 'setpriv',
  };
  writeFileSync(sharedClusterPaths(dataDir).state, JSON.stringify(state));
  return { keeper: keeper.pid, server: server.pid };
}

const alive = (pid: number): boolean => processStartTime(pid) !== null;

/** A cache folder that is not ours to trust: another user's (root only), or writable by others. */
function untrustedFolders(): Array<{ what: string; dir: string; says: RegExp }> {
  const folders: Array<{ what: string; dir: string; says: RegExp }> = [];
  if (isRoot) {
    const foreign = testFolder('foreign-cache');
    chownSync(foreign, NOBODY, NOBODY);
    folders.push({ what: "another user's", dir: foreign, says: /belongs to uid 65534/ });
  }
  const world = testFolder('world-writable-cache');
  chmodSync(world, 0o1777);
  folders.push({ what: 'a world-writable', dir: world, says: /writable by its group and others \(mode 1777\)/ });
  const group = testFolder('group-writable-cache');
  chmodSync(group, 0o770);
  folders.push({ what: 'a group-writable', dir: group, says: /writable by its group \(mode 770\)/ });
  const target = testFolder('link-target');
  const link = join(testFolder('link-parent'), 'cache');
  symlinkSync(target, link);
  folders.push({ what: 'a symbolic link as', dir: link, says: /symbolic link/ });
  return folders;
}

async function refusal(promise: Promise<unknown>): Promise<EnvironmentError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('value' in outcome) {
    // Joined or opened after all: leave again, so that the assertion below is the only failure.
    const handle = outcome.value as { stop?: () => Promise<void>; close?: () => Promise<void> };
    await handle.stop?.();
    await handle.close?.();
    throw new Error('expected a refusal');
  }
  expect(outcome.error).toBeInstanceOf(EnvironmentError);
  return outcome.error as EnvironmentError;
}

describe('the cache folder', () => {
  it(`is created private: mode ${isRoot ? '711 (the postgres user must pass through it)' : '700'}`, () => {
    const dir = join(testFolder('new-cache'), 'querygate-cache');
    expect(ensureCacheDir({ QUERYGATE_CACHE_DIR: dir })).toBe(dir);
    expect(statSync(dir).mode & 0o7777).toBe(isRoot ? 0o711 : 0o700);
    expect(statSync(dir).uid).toBe(process.getuid?.());
  });

  for (const { what, dir, says } of untrustedFolders()) {
    describe(`${what} folder`, () => {
      it('is refused for the SQLite fixtures, naming the folder', async () => {
        const saved = process.env.QUERYGATE_CACHE_DIR;
        process.env.QUERYGATE_CACHE_DIR = dir;
        try {
          const error = await refusal(openAdapter('sqlite', {}));
          expect(error.exitCode).toBe(3);
          expect(error.message).toContain(dir);
          expect(error.message).toMatch(says);
        } finally {
          if (saved === undefined) delete process.env.QUERYGATE_CACHE_DIR;
          else process.env.QUERYGATE_CACHE_DIR = saved;
        }
      });

      it('is refused when joining a server, and its forged keeper file is never used', async () => {
        const dataDir = join(dir, 'pg17');
        const forged = await forgeKeeper(dataDir);
        const error = await refusal(joinSharedEmbeddedPostgres({ dataDir }));
        expect(error.message).toContain(dir);
        expect(error.message).toMatch(says);
        expect(alive(forged.keeper)).toBe(true); // never signalled
        expect(alive(forged.server)).toBe(true);
      });

      it('is refused when starting a server, before anything is created in it', async () => {
        const before = readdirSync(dir);
        const error = await refusal(startEmbeddedPostgres({ dataDir: join(dir, 'pg17') }));
        expect(error.message).toMatch(says);
        expect(readdirSync(dir)).toEqual(before);
      });
    });
  }

  it('makes the CLI exit 3 with one line naming the folder', async () => {
    const dir = testFolder('cli-world-writable-cache');
    chmodSync(dir, 0o777);
    mkdirSync(join(dir, 'sqlite'));
    writeFileSync(join(dir, 'sqlite', 'small-s42.sqlite'), 'planted');
    for (const db of ['sqlite', 'postgres']) {
      const exit = await runCli(['seed', '--db', db, '--profile', 'small'], { QUERYGATE_CACHE_DIR: dir }, 60_000);
      expect(exit.code, showExit(exit)).toBe(3);
      expect(exit.stderr, showExit(exit)).toContain(dir);
    }
    expect(readFileSync(join(dir, 'sqlite', 'small-s42.sqlite'), 'utf8')).toBe('planted');
  });
});

describe('a keeper file in our own folder', () => {
  it('is not trusted when the process it names is not a keeper', async () => {
    const dataDir = join(testFolder('own-cache'), 'pg17');
    const forged = await forgeKeeper(dataDir);
    const server = await joinSharedEmbeddedPostgres({ dataDir });
    try {
      expect(server.startedHere).toBe(true);
      expect(server.url).toContain('127.0.0.1');
      expect(server.url).not.toContain('203.0.113.7');
    } finally {
      await server.stop();
    }
    expect(findPostgresProcesses(dataDir)).toEqual([]);
    expect(alive(forged.keeper)).toBe(true);
    expect(alive(forged.server)).toBe(true);
  });
});
