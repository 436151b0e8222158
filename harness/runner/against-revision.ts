import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { UsageError } from '../errors.js';
import type { AgainstInfo } from '../result.js';
import { CURSOR_SECRET } from './resolve-requests.js';
import type { ExtraImplementations } from './served-implementation.js';

/** The implementation under test at another git revision, ready to be served beside the working tree's. */
export interface LoadedRevision {
  info: AgainstInfo;
  /** The name its results get, e.g. "fixed@main". */
  impl: string;
  extra: ExtraImplementations;
  /** Where REF's src/ was exported. */
  dir: string;
}

/** What querygate needs of another revision's src/index.ts. */
interface RevisionModule {
  createRequestHandler: (db: Knex, impl: string, options: { cursorSecret: string; logger?: unknown }) => (req: never, res: never) => Promise<void>;
  IMPLEMENTATION_NAMES?: readonly string[];
  createLogger?: (namespace: string, level: string) => unknown;
}

/**
 * Materializes REF's src/ under the ignored output folder (reports/out/.revisions/SHA, exported
 * with `git archive` into a scratch folder and renamed into place, so concurrent runs never see
 * half a tree) and loads its request handler into this process: REF's implementation under test
 * then runs beside the working tree's, on the same fixture, through the same instrumentation.
 */
export async function loadRevision(ref: string, implUnderTest: string, cwd = process.cwd()): Promise<LoadedRevision> {
  if (ref === '' || ref.startsWith('-')) throw new UsageError(`--against needs a git revision such as main, origin/main, a sha or HEAD~3; got ${JSON.stringify(ref)}`);
  const root = git(cwd, ['rev-parse', '--show-toplevel'], () => '--against needs a git checkout: run querygate from inside the repository');
  const sha = git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], () =>
    `--against ${ref}: no such revision in ${root} (try main, origin/main, a sha or HEAD~3; in a shallow clone, fetch it first)`,
  );
  const mergeBase = tryGit(root, ['merge-base', 'HEAD', sha]);
  const hasSrc = tryGit(root, ['cat-file', '-t', `${sha}:src/index.ts`]) === 'blob';
  if (!hasSrc) throw new UsageError(`--against ${ref} (${sha.slice(0, 12)}): that revision has no src/index.ts, so querygate cannot load its endpoint`);
  // Any difference of the schema, committed or not, between REF and the working tree.
  const schemaDiffers = spawnSync('git', ['diff', '--quiet', sha, '--', 'src/schema.ts'], { cwd: root }).status !== 0;
  if (schemaDiffers) {
    throw new UsageError(
      `--against ${ref}: src/schema.ts differs between ${sha.slice(0, 12)} and the working tree; measuring two schemas side by side (a fixture per side) is not supported yet. Compare result files of two runs instead: querygate compare BEFORE.json AFTER.json`,
    );
  }

  const dir = join(root, 'reports', 'out', '.revisions', sha);
  if (!existsSync(join(dir, 'src', 'index.ts'))) {
    const scratch = `${dir}.tmp-${process.pid}`;
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const archive = spawnSync('git', ['archive', '--format=tar', sha, 'src'], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
    if (archive.status !== 0) throw new Error(`git archive ${sha} src failed: ${archive.stderr.toString().trim()}`);
    const untar = spawnSync('tar', ['-x', '-C', scratch], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`unpacking ${sha}'s src/ failed: ${untar.stderr.toString().trim()}`);
    try {
      renameSync(scratch, dir);
    } catch (error) {
      // Another run exported the same revision first: theirs is as good as ours.
      rmSync(scratch, { recursive: true, force: true });
      if (!existsSync(join(dir, 'src', 'index.ts'))) throw error;
    }
  }

  const module = (await import(pathToFileURL(join(dir, 'src', 'index.ts')).href)) as Partial<RevisionModule>;
  const create = module.createRequestHandler;
  if (typeof create !== 'function') throw new UsageError(`--against ${ref}: its src/index.ts exports no createRequestHandler`);
  const names = module.IMPLEMENTATION_NAMES;
  if (names !== undefined && !names.includes(implUnderTest)) {
    throw new UsageError(`--against ${ref}: that revision has no implementation ${JSON.stringify(implUnderTest)} (it has ${names.join(', ')})`);
  }
  const impl = `${implUnderTest}@${ref}`;
  const logger = module.createLogger?.('querygate:http', 'silent');
  const factory = (db: Knex) => create(db, implUnderTest, { cursorSecret: CURSOR_SECRET, ...(logger === undefined ? {} : { logger }) }) as never;
  return { info: { ref, sha, mergeBase, schemaDiffers }, impl, extra: { [impl]: factory }, dir };
}

function git(cwd: string, args: string[], why: () => string): string {
  const out = tryGit(cwd, args);
  if (out === null || out === '') throw new UsageError(why());
  return out;
}

function tryGit(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
