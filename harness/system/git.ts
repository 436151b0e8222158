import { execFileSync } from 'node:child_process';
import { UsageError } from '../core/errors.js';

/**
 * Put before a revision the user gave: git reads every argument after it as a revision, never as
 * an option (`git log --output=FILE` would write FILE). git >= 2.24 (log, rev-list, rev-parse).
 */
export const END_OF_OPTIONS = '--end-of-options';

/**
 * A revision or range from the command line (`flag` names where it came from, e.g. "--base"), or
 * a UsageError when it starts with "-", which git would take for an option.
 */
export function userRevision(revision: string, flag: string): string {
  if (revision === '' || revision.startsWith('-')) {
    throw new UsageError(
      `${flag} ${JSON.stringify(revision)}: ${revision === '' ? 'is empty' : 'starts with "-", which git would read as an option'}; give a revision such as main, origin/main, a sha or HEAD~3`,
    );
  }
  return revision;
}

/** Runs git in `cwd` (default: the current folder) and returns its stdout; throws with git's stderr. */
export function git(args: readonly string[], options: { cwd?: string | undefined; input?: string } = {}): string {
  try {
    return execFileSync('git', args, {
      cwd: options.cwd,
      encoding: 'utf8',
      input: options.input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string | Buffer }).stderr?.toString().trim();
    throw new Error(`git ${args.join(' ')}: ${stderr || (error instanceof Error ? error.message : String(error))}`);
  }
}

/** git's stdout trimmed, or null when git fails (no repository, no such revision); its stderr is dropped. */
export function tryGit(args: readonly string[], cwd?: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 }).trim();
  } catch {
    return null;
  }
}

/** git's stdout as bytes (for output with byte counts, such as `cat-file --batch`, or an archive). */
export function gitBytes(args: readonly string[], input: string | undefined, cwd?: string): Buffer {
  try {
    return execFileSync('git', args, { cwd, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1024 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`git ${args.join(' ')}: ${stderr || (error instanceof Error ? error.message : String(error))}`);
  }
}
