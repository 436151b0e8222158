import { execFileSync } from 'node:child_process';

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

/** git's stdout as bytes (for output with byte counts, such as `cat-file --batch`). */
export function gitBytes(args: readonly string[], input: string, cwd?: string): Buffer {
  try {
    return execFileSync('git', args, { cwd, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1024 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`git ${args.join(' ')}: ${stderr || (error instanceof Error ? error.message : String(error))}`);
  }
}
