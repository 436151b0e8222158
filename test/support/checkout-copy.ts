import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testFolder } from './databases.js';
import { ROOT } from './run-cli.js';

/** A git repository holding this checkout as it is now, committed once as `base`. */
export interface CheckoutCopy {
  repo: string;
  git(...args: string[]): string;
}

/**
 * Copies this checkout (tracked and untracked files, uncommitted changes included) into a test
 * folder and commits it. node_modules: 'link' is one link to this checkout's; 'own' is a folder of
 * links to each of its packages, into which a test may install packages of its own.
 */
export function copyCheckout(name: string, nodeModules: 'link' | 'own' = 'link'): CheckoutCopy {
  const repo = join(testFolder(name), 'repo');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0');
  for (const file of files.filter((f) => f !== '' && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    cpSync(join(ROOT, file), join(repo, file));
  }
  if (nodeModules === 'link') symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  else {
    mkdirSync(join(repo, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules', entry), join(repo, 'node_modules', entry));
  }
  writeFileSync(join(repo, '.gitignore'), 'node_modules\nout*\nreports/out/\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@querygate.invalid');
  git('config', 'user.name', 'querygate test');
  git('add', '-A');
  git('commit', '-qm', 'base');
  return { repo, git };
}
