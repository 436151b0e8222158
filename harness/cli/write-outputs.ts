import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { renderJunit } from '../../reports/junit-report.js';
import { renderMarkdown, repositoryUrlFrom } from '../../reports/markdown-report.js';
import { renderSummary } from '../../reports/summary-report.js';
import { EnvironmentError } from '../core/errors.js';
import { redactSecretsInText } from '../db/pg-url.js';
import { git } from '../system/git.js';
import { attachResultNoteToHead } from '../git/result-notes.js';
import type { RunResult } from '../core/result.js';

export interface WrittenOutputs {
  dir: string;
  files: string[];
  note: string | null;
}

/**
 * Writes a file whole or not at all (a temporary file, then rename), naming the path when it cannot.
 * The temporary file has a name nobody can guess and is created exclusively: on a shared machine a
 * link planted beside `path` is never written through.
 */
export function writeFileAtomic(path: string, text: string): void {
  let temp: string | undefined;
  try {
    temp = writeExclusiveTemp(path, text);
    renameSync(temp, path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    // A full disk leaves a partial temp file: never leave it beside the outputs.
    if (temp !== undefined) rmSync(temp, { force: true });
    throw new EnvironmentError(
      `cannot write ${path}: ${code || (error instanceof Error ? error.message : String(error))}`,
      code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full: free space or choose another --out' : undefined,
    );
  }
}

/** `text` in a new file beside `path` (O_CREAT | O_EXCL, a random name); returns its path. */
function writeExclusiveTemp(path: string, text: string): string {
  for (let attempt = 1; ; attempt++) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      writeFileSync(temp, text, { flag: 'wx' });
      return temp;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // EEXIST: that name is someone else's; anything else: the file is ours, half written.
      if (code === 'EEXIST' && attempt < 8) continue;
      if (code !== 'EEXIST') rmSync(temp, { force: true });
      throw error;
    }
  }
}

/**
 * Creates the output folder and proves it writable (a probe folder of our own, removed again), so
 * that a run fails before measuring rather than after. Returns its absolute path.
 */
export function ensureOutputDir(dir: string): string {
  const out = resolve(dir);
  const hint = '--out must name a folder that can be created and written to';
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new EnvironmentError(`cannot create the output folder ${out}: ${(error as { code?: string }).code ?? String(error)}`, hint);
  }
  try {
    rmSync(mkdtempSync(join(out, '.querygate-probe-')), { recursive: true, force: true });
  } catch (error) {
    throw new EnvironmentError(`cannot write into the output folder ${out}: ${(error as { code?: string }).code ?? String(error)}`, hint);
  }
  return out;
}

/** The files of a run's verdict, by name. */
export const RUN_OUTPUT_FILES = ['result.json', 'report.md', 'junit.xml'] as const;

/**
 * Writes `files` (name -> text) into DIR as a set: each into a staging folder of our own inside DIR
 * (mkdtemp: mode 700, a name nobody can guess), then renamed over its name in DIR one by one. DIR
 * itself is kept (its mode, owner and inode: a private folder stays private), and so are its files
 * under other names. When any write or rename fails, DIR keeps none of `files`' names either, so
 * that no earlier run's report or JUnit file stands there as if it were this run's verdict. `write`
 * is the file writer (tests inject failures with it).
 */
export function replaceOutputs(dir: string, files: ReadonlyMap<string, string>, write: (path: string, text: string) => void = writeFileAtomic): string[] {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  let stage: string | undefined;
  let moving = false;
  try {
    stage = mkdtempSync(join(out, '.querygate-writing-'));
    for (const [name, text] of files) write(join(stage, name), text);
    moving = true;
    for (const name of files.keys()) renameSync(join(stage, name), join(out, name));
  } catch (error) {
    for (const name of files.keys()) rmSync(join(out, name), { force: true });
    const code = (error as { code?: string }).code ?? String(error);
    if (error instanceof EnvironmentError) throw error;
    throw new EnvironmentError(moving ? `cannot move the outputs from ${stage} into ${out}: ${code}` : `cannot write into ${stage ?? out}: ${code}`);
  } finally {
    if (stage !== undefined) rmSync(stage, { recursive: true, force: true });
  }
  return [...files.keys()].map((name) => join(out, name));
}

/**
 * `value` with credentials hidden in every string (URLs' passwords, `password=`): an error
 * message or another run's command line must not carry one into files, the step summary or notes.
 */
export function withoutSecrets<T>(value: T): T {
  if (typeof value === 'string') return redactSecretsInText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withoutSecrets(item)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutSecrets(item)])) as T;
  return value;
}

/** result.json, report.md and junit.xml into DIR; the step summary and a git note when asked. */
export async function writeRunOutputs(measured: RunResult, dir: string, options: { attachNote: boolean }): Promise<WrittenOutputs> {
  const result = withoutSecrets(measured);
  const out = ensureOutputDir(dir);
  const markdown = renderMarkdown(result, { repositoryUrl: repositoryUrlFrom(process.env) });
  const texts = [`${JSON.stringify(result, null, 1)}\n`, markdown, renderJunit(result)];
  // All or nothing, nothing stale, DIR itself kept: see replaceOutputs.
  const files = replaceOutputs(out, new Map(RUN_OUTPUT_FILES.map((name, i) => [name, texts[i] as string])));
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary !== undefined && summary !== '') {
    try {
      // The summary form: a step summary is read on one screen; the full report is report.md in the artifact.
      appendFileSync(summary, `${renderSummary(result, { fullReport: '`report.md` in the `querygate-reports` artifact' })}\n`);
    } catch (error) {
      throw new EnvironmentError(`cannot append to GITHUB_STEP_SUMMARY (${summary}): ${(error as { code?: string }).code ?? String(error)}`);
    }
  }
  const note = options.attachNote ? `${attachNote(files[1] as string)} and ${attachResultNoteToHead(result)}` : null;
  return { dir: out, files, note };
}

/** Attaches a file to HEAD as a git note under refs/notes/querygate, replacing an earlier one. */
export function attachNote(file: string): string {
  try {
    git(['notes', '--ref=querygate', 'add', '-f', '-F', file, 'HEAD']);
    const head = git(['rev-parse', '--short', 'HEAD']).trim();
    return `refs/notes/querygate on ${head}`;
  } catch (error) {
    throw new EnvironmentError(`cannot attach the git note: ${error instanceof Error ? error.message : String(error)}`);
  }
}
