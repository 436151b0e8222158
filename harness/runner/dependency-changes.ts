import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tryGit } from '../system/git.js';

/**
 * What `run --against REF` cannot see yet: the dependencies. Both sides are served from the
 * working tree's node_modules, so a pull request that only changes package-lock.json measures
 * the same code twice. This names the differences, so that the report says what was not
 * measured instead of calling it unchanged.
 */

/** How many changed packages are named before "and N more". */
const NAMED = 12;

/** name -> version of every installed package a lockfile (v2/v3 `packages`) pins. */
export function lockedVersions(lockfileText: string): Map<string, string> {
  const versions = new Map<string, string>();
  let lock: { packages?: Record<string, { version?: unknown }> };
  try {
    lock = JSON.parse(lockfileText) as typeof lock;
  } catch {
    return versions;
  }
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const at = path.lastIndexOf('node_modules/');
    if (path === '' || at < 0 || typeof entry?.version !== 'string') continue;
    const name = path.slice(at + 'node_modules/'.length);
    // Nested copies (a/node_modules/b) count once, by their first version seen.
    if (!versions.has(name)) versions.set(name, entry.version);
  }
  return versions;
}

/**
 * The packages whose locked version differs between REF and the working tree, direct
 * dependencies first: "knex 3.1.0 -> 3.3.0", "left-pad (new) 1.3.0", "request 2.88.2 (removed)".
 */
export function dependencyChanges(refLock: string, ownLock: string, direct: ReadonlySet<string> = new Set()): string[] {
  const [theirs, ours] = [lockedVersions(refLock), lockedVersions(ownLock)];
  const changes: { name: string; text: string }[] = [];
  for (const name of new Set([...theirs.keys(), ...ours.keys()])) {
    const [before, after] = [theirs.get(name), ours.get(name)];
    if (before === after) continue;
    const text = before === undefined ? `${name} (new) ${after}` : after === undefined ? `${name} ${before} (removed)` : `${name} ${before} -> ${after}`;
    changes.push({ name, text });
  }
  changes.sort((a, b) => Number(direct.has(b.name)) - Number(direct.has(a.name)) || a.name.localeCompare(b.name));
  const named = changes.slice(0, NAMED).map((c) => c.text);
  return changes.length > NAMED ? [...named, `and ${changes.length - NAMED} more`] : named;
}

/** The dependency changes between REF (`sha`) and the working tree at `root`; empty when the lockfiles are equal or either is missing. */
export function dependencyChangesSince(root: string, sha: string): string[] {
  const theirs = tryGit(['show', `${sha}:package-lock.json`], root);
  let ours: string;
  try {
    ours = readFileSync(join(root, 'package-lock.json'), 'utf8');
  } catch {
    return [];
  }
  if (theirs === null || theirs.trim() === ours.trim()) return [];
  let direct = new Set<string>();
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: object; devDependencies?: object };
    direct = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]);
  } catch {
    // No readable manifest: changes are named alphabetically.
  }
  return dependencyChanges(theirs, ours, direct);
}
