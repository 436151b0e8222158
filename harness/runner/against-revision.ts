import { spawnSync } from 'node:child_process';
import { dependencyChangesSince } from './dependency-changes.js';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import { UsageError } from '../core/errors.js';
import { fillOnce } from '../system/fill-once.js';
import { END_OF_OPTIONS, gitBytes, tryGit, userRevision } from '../system/git.js';
import type { AgainstInfo } from '../core/result.js';
import { CURSOR_SECRET } from './resolve-requests.js';
import { describeSchema, differenceBetween } from '../db/schema-identity.js';
import type { FixtureSchema } from '../fixture-store/fixture-store.js';
import type { ExtraImplementations, HandlerFactory } from './served-implementation.js';
import { checkDatabaseSettings, settingsDifference, SETTINGS_BEFORE_SRC_OWNED_THEM, type KnexModule, type ServedConnection } from '../db/served-connection.js';
import type { DatabaseSettings } from '../../src/database-settings.js';
import { linkNodeModules, revisionDependencies } from './revision-dependencies.js';

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
  /**
   * When REF has other dependencies or database settings: each side's own connections (its
   * settings, and REF's knex from its own node_modules), by implementation name. Absent: both
   * sides are served through the shared pool.
   */
  connections?: Readonly<Record<string, ServedConnection>>;
}

/** What querygate needs of another revision's src/index.ts. */
interface RevisionModule {
  createRequestHandler: (db: Knex, impl: string, options: { cursorSecret: string; logger?: unknown }) => (req: never, res: never) => Promise<void>;
  IMPLEMENTATION_NAMES?: readonly string[];
  createLogger?: (namespace: string, level: string) => unknown;
  DATABASE_SETTINGS?: unknown;
}

/**
 * Materializes REF's src/ under the ignored output folder (reports/out/.revisions/SHA, exported
 * with `git archive` into a scratch folder and renamed into place, so concurrent runs never see
 * half a tree) and loads its request handler into this process: REF's implementation under test
 * then runs beside the working tree's, on the same fixture, through the same instrumentation.
 */
export async function loadRevision(ref: string, implUnderTest: string, cwd = process.cwd(), onProgress: (message: string) => void = () => {}): Promise<LoadedRevision> {
  userRevision(ref, '--against');
  const root = git(cwd, ['rev-parse', '--show-toplevel'], () => '--against needs a git checkout: run querygate from inside the repository');
  const sha = git(root, ['rev-parse', '--verify', '--quiet', END_OF_OPTIONS, `${ref}^{commit}`], () =>
    `--against ${ref}: no such revision in ${root} (try main, origin/main, a sha or HEAD~3; in a shallow clone, fetch it first)`,
  );
  const mergeBase = tryGit(['merge-base', 'HEAD', sha], root);
  const hasSrc = tryGit(['cat-file', '-t', `${sha}:src/index.ts`], root) === 'blob';
  if (!hasSrc) throw new UsageError(`--against ${ref} (${sha.slice(0, 12)}): that revision has no src/index.ts, so querygate cannot load its endpoint`);
  // The schema code (schema.ts, and the dialect files' triggers), committed or not, compared as
  // text first; where the text differs, by the schemas it builds (a comment or a refactor then
  // does not stop the run).
  const schemaTextDiffers = tryGit(['diff', '--quiet', sha, '--', 'src/schema.ts', 'src/dialect'], root) === null;

  const dir = join(root, 'reports', 'out', '.revisions', sha);
  materialize(dir, (scratch) => {
    const archive = gitBytes(['archive', '--format=tar', sha, 'src'], undefined, root);
    const untar = spawnSync('tar', ['-x', '-C', scratch], { input: archive });
    if (untar.status !== 0) throw new Error(`unpacking ${sha}'s src/ failed: ${untar.stderr.toString().trim()}`);
  });
  // REF's own dependencies when its lockfile differs: its src/ (and schema code) resolve them first.
  const dependencies = revisionDependencies(root, sha, ref, onProgress);
  if (dependencies !== undefined) linkNodeModules(dir, dependencies.nodeModules);
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
  const theirs = await handlerFactoryOf(dir, implUnderTest, `--against ${ref}`);
  const changes = dependencyChangesSince(root, sha);
  const settings = { theirs: settingsOf(theirs.module, `--against ${ref}`), ours: settingsOf(own.module, 'the working tree') };
  const settingsDiffer = settingsDifference(settings.theirs, settings.ours);
  // Each side through a pool of its own, opened its own way, when anything below src/ differs.
  const connections: Record<string, ServedConnection> | undefined =
    dependencies === undefined && settingsDiffer.length === 0
      ? undefined
      : { [impl]: { settings: settings.theirs, knex: knexOf(dir) }, [implUnderTest]: { settings: settings.ours } };
  const info: AgainstInfo = {
    ref,
    sha,
    mergeBase,
    schemaDiffers: difference !== undefined,
    ...(difference === undefined ? {} : { schemaDifference: difference }),
    ...(changes.length === 0 ? {} : { dependencyChanges: changes }),
    ...(dependencies === undefined ? {} : { ownDependencies: { installed: dependencies.installed, installMs: dependencies.installMs } }),
    ...(settingsDiffer.length === 0 ? {} : { databaseSettingsDifference: settingsDiffer }),
  };
  return {
    info,
    impl,
    extra: { [impl]: theirs.factory, [implUnderTest]: own.factory },
    dir,
    workingTreeDir: own.dir,
    ...(schemas === undefined ? {} : { schemas }),
    ...(connections === undefined ? {} : { connections }),
  };
}

/**
 * A copy of the working tree's src/ as it is now (uncommitted changes included), under
 * reports/out/.revisions/worktree-HASH, loaded as a module graph of its own.
 */
export async function workingTreeCopy(root: string, implUnderTest: string): Promise<{ dir: string; factory: HandlerFactory; module: Partial<RevisionModule> }> {
  const source = join(root, 'src');
  const hash = createHash('sha256');
  for (const file of readdirSync(source, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(source, file);
    if (!statSync(path).isFile()) continue;
    hash.update(file).update('\0').update(readFileSync(path)).update('\0');
  }
  const dir = join(root, 'reports', 'out', '.revisions', `worktree-${hash.digest('hex').slice(0, 16)}`);
  materialize(dir, (scratch) => cpSync(source, join(scratch, 'src'), { recursive: true }));
  return { dir, ...(await handlerFactoryOf(dir, implUnderTest, 'the working tree')) };
}

/** Fills a revision's folder once (see fillOnce): it is whole when its src/index.ts is there. */
function materialize(dir: string, fill: (scratch: string) => void): void {
  fillOnce(dir, join('src', 'index.ts'), fill);
}

/** The request handler of `implUnderTest` from the src/index.ts under `dir`, and that module. */
async function handlerFactoryOf(dir: string, implUnderTest: string, what: string): Promise<{ factory: HandlerFactory; module: Partial<RevisionModule> }> {
  const module = (await import(pathToFileURL(join(dir, 'src', 'index.ts')).href)) as Partial<RevisionModule>;
  const create = module.createRequestHandler;
  if (typeof create !== 'function') throw new UsageError(`${what}: its src/index.ts exports no createRequestHandler`);
  const names = module.IMPLEMENTATION_NAMES;
  if (names !== undefined && !names.includes(implUnderTest)) {
    throw new UsageError(`${what}: that revision has no implementation ${JSON.stringify(implUnderTest)} (it has ${names.join(', ')})`);
  }
  const logger = module.createLogger?.('querygate:http', 'silent');
  const factory = (db: Knex) => create(db, implUnderTest, { cursorSecret: CURSOR_SECRET, ...(logger === undefined ? {} : { logger }) }) as never;
  return { factory, module };
}

/** A revision's database settings; one from before src/ owned them is served as the harness served it then. */
function settingsOf(module: Partial<RevisionModule>, what: string): DatabaseSettings {
  return module.DATABASE_SETTINGS === undefined ? SETTINGS_BEFORE_SRC_OWNED_THEM : checkDatabaseSettings(module.DATABASE_SETTINGS, what);
}

/** The knex that REF's src/ resolves: its own when its dependencies were installed, else the working tree's. */
function knexOf(dir: string): KnexModule {
  const loaded = createRequire(join(dir, 'src', 'index.ts'))('knex') as KnexModule | { default: KnexModule };
  return typeof loaded === 'function' ? loaded : loaded.default;
}

function git(cwd: string, args: string[], why: () => string): string {
  const out = tryGit(args, cwd);
  if (out === null || out === '') throw new UsageError(why());
  return out;
}
