import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Fills `dir` once, through a scratch folder beside it renamed into place, so that concurrent runs
 * never see half a tree: `dir` counts as filled when `marker` (a path inside it) exists. The
 * scratch folder is made by mkdtemp (a name nobody can guess), never one planted there. Returns
 * whether this call filled it.
 */
export function fillOnce(dir: string, marker: string, fill: (scratch: string) => void, mode = 0o777): boolean {
  if (existsSync(join(dir, marker))) return false;
  mkdirSync(dirname(dir), { recursive: true, mode });
  const scratch = mkdtempSync(`${dir}.tmp-`);
  try {
    fill(scratch);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  try {
    renameSync(scratch, dir);
  } catch (error) {
    // Another run filled the same folder first: theirs is as good as ours.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(join(dir, marker))) throw error;
  }
  return true;
}
