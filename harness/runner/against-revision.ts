import { spawnSync } from 'node:child_process';
import { dependencyChangesSince } from './dependency-changes.js';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { UsageError } from '../core/errors.js';
import { END_OF_OPTIONS, gitBytes, tryGit as tryGitIn, userRevision } from '../system/git.js';
import type { AgainstInfo } from '../core/result.js';
import { CURSOR_SECRET } from './resolve-requests.js';
import { describeSchema, differenceBetween } from '../db/schema-identity.js';
import type { FixtureSchema } from '../fixture-store/fixture-store.js';
import type { ExtraImplementations, HandlerFactory } from './served-implementation.js';

/** The implementation under test at another git revision, ready to be served beside the working tree's. */
export interface LoadedRevision {
  info: AgainstInfo;
  /** The name its results get, e.g. "fixed@main". */
  impl: string;
  extra: ExtraImplementations;
  /** Where REF's src/ was exported. */
  dir: string;
  /** Where the working tree's src/ was copied (its side's own module graph). */
  workingTreeDir: string;
  /**
   * When the two sides' schemas differ: each side's schema code, by implementation name (REF's
   * and the working tree's), for a fixture of its own. Absent: both sides share one fixture.
   */
  schemas?: Readonly<Record<string, FixtureSchema>>;
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
  userRevision(ref, '--against');
  const root = git(cwd, ['rev-parse', '--show-toplevel'], () => '--against needs a git checkout: run querygate from inside the repository');
  const sha = git(root, ['rev-parse', '--verify', '--quiet', END_OF_OPTIONS, `${ref}^{commit}`], () =>
    `--against ${ref}: no such revision in ${root} (try main, origin/main, a sha or HEAD~3; in a shallow clone, fetch it first)`,
  );
  const mergeBase = tryGit(root, ['merge-base', 'HEAD', sha]);
  const hasSrc = tryGit(root, ['cat-file', '-t', `${sha}:src/index.ts`]) === 'blob';
  if (!hasSrc) throw new UsageError(`--against ${ref} (${sha.slice(0, 12)}): that revision has no src/index.ts, so querygate cannot load its endpoint`);
  // The schema code (schema.ts, and the dialect files' triggers), committed or not, compared as
  // text first; where the text differs, by the schemas it builds (a comment or a refactor then
  // does not stop the run).
  const schemaTextDiffers = tryGit(root, ['diff', '--quiet', sha, '--', 'src/schema.ts', 'src/dialect']) === null;

  const dir = join(root, 'reports', 'out', '.revisions', sha);
  materialize(dir, (scratch) => {
    const archive = gitBytes(['archive', '--format=tar', sha, 'src'], undefined, root);
    const untar = spawnSync('tar', ['-x', '-C', scratch], { input: archive });
    if (untar.status !== 0) throw new Error(`unpacking ${sha}'s src/ failed: ${untar.stderr.toString().trim()}`);
  });
  // The working tree's side gets a module graph of its own too: served from the process's own
  // modules, which baseline and floor share, it ran measurably slower than REF's graph, used by
  // REF's side alone (A/A on the small profile: 1.033x [1.026, 1.040] in CI). Both sides alike now.
  const own = await workingTreeCopy(root, implUnderTest);
  const impl = `${implUnderTest}@${ref}`;
  let difference: string | undefined;
  let schemas: Record<string, FixtureSchema> | undefined;
  if (schemaTextDiffers) {
    const describe = (src: string, side: string) =>
      describeSchema(join(src, 'src')).catch((error: unknown): never => {
        throw new UsageError(`--against ${ref}: the schema code of ${side} could not be run (${error instanceof Error ? error.message.split('\n')[0] : String(error)}), so no fixture can be built for it`);
      });
    const theirs = await describe(dir, sha.slice(0, 12));
    const ours = await describe(own.dir, 'the working tree');
    difference = differenceBetween(theirs, ours);
    // Two schemas: each side is measured on a fixture of its own schema, seeded with the same rows
    // and built the same way. Measured and rejected: the working tree's side on the shared fixture
    // (built by another path) and REF's alone on its own read unchanged code 0.987x on SQLite and
    // 0.981x on Postgres (50 trials each), a bias that hid most 5% slowdowns on Postgres (6 of 20).
    if (difference !== undefined) schemas = { [impl]: theirs, [implUnderTest]: ours };
  }
  const factory = await handlerFactoryOf(dir, implUnderTest, `--against ${ref}`);
  const dependencies = dependencyChangesSince(root, sha);
  const info: AgainstInfo = {
    ref,
    sha,
    mergeBase,
    schemaDiffers: difference !== undefined,
    ...(difference === undefined ? {} : { schemaDifference: difference }),
    ...(dependencies.length === 0 ? {} : { dependencyChanges: dependencies }),
  };
  return { info, impl, extra: { [impl]: factory, [implUnderTest]: own.factory }, dir, workingTreeDir: own.dir, ...(schemas === undefined ? {} : { schemas }) };
}

/**
 * A copy of the working tree's src/ as it is now (uncommitted changes included), under
 * reports/out/.revisions/worktree-HASH, loaded as a module graph of its own.
 */
export async function workingTreeCopy(root: string, implUnderTest: string): Promise<{ dir: string; factory: HandlerFactory }> {
  const source = join(root, 'src');
  const hash = createHash('sha256');
  for (const file of readdirSync(source, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(source, file);
    if (!statSync(path).isFile()) continue;
    hash.update(file).update('\0').update(readFileSync(path)).update('\0');
  }
  const dir = join(root, 'reports', 'out', '.revisions', `worktree-${hash.digest('hex').slice(0, 16)}`);
  materialize(dir, (scratch) => cpSync(source, join(scratch, 'src'), { recursive: true }));
  return { dir, factory: await handlerFactoryOf(dir, implUnderTest, 'the working tree') };
}

/**
 * Fills `dir` once, through a scratch folder renamed into place: concurrent runs never see half a
 * tree. The scratch folder is made by mkdtemp (a name nobody can guess), never one planted there.
 */
function materialize(dir: string, fill: (scratch: string) => void): void {
  if (existsSync(join(dir, 'src', 'index.ts'))) return;
  mkdirSync(dirname(dir), { recursive: true });
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
    if (!existsSync(join(dir, 'src', 'index.ts'))) throw error;
  }
}

/** The request handler of `implUnderTest` from the src/index.ts under `dir`. */
async function handlerFactoryOf(dir: string, implUnderTest: string, what: string): Promise<HandlerFactory> {
  const module = (await import(pathToFileURL(join(dir, 'src', 'index.ts')).href)) as Partial<RevisionModule>;
  const create = module.createRequestHandler;
  if (typeof create !== 'function') throw new UsageError(`${what}: its src/index.ts exports no createRequestHandler`);
  const names = module.IMPLEMENTATION_NAMES;
  if (names !== undefined && !names.includes(implUnderTest)) {
    throw new UsageError(`${what}: that revision has no implementation ${JSON.stringify(implUnderTest)} (it has ${names.join(', ')})`);
  }
  const logger = module.createLogger?.('querygate:http', 'silent');
  return (db: Knex) => create(db, implUnderTest, { cursorSecret: CURSOR_SECRET, ...(logger === undefined ? {} : { logger }) }) as never;
}

function git(cwd: string, args: string[], why: () => string): string {
  const out = tryGit(cwd, args);
  if (out === null || out === '') throw new UsageError(why());
  return out;
}

function tryGit(cwd: string, args: string[]): string | null {
  return tryGitIn(args, cwd);
}
