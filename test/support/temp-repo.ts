import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway git repository (never the project's own, whose notes must stay untouched). */
export interface TempRepo {
  dir: string;
  git(...args: string[]): string;
  /** An empty commit dated `day` days after 2026-01-01; returns its sha. */
  commit(message: string, day?: number): string;
}

const created: string[] = [];

/** Removes every repository this process created (call from afterAll). */
export function removeTempRepos(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function createTempRepo(prefix = 'qg-repo-'): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@querygate.invalid');
  git('config', 'user.name', 'querygate test');
  let counter = 0;
  return {
    dir,
    git,
    commit(message, day = counter) {
      counter += 1;
      writeFileSync(join(dir, 'file.txt'), `${message}\n`);
      git('add', 'file.txt');
      const date = new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString();
      execFileSync('git', ['commit', '-q', '-m', message], { cwd: dir, env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, stdio: 'ignore' });
      return git('rev-parse', 'HEAD').trim();
    },
  };
}
