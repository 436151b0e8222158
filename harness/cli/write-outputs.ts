import { execFileSync } from 'node:child_process';
import { accessSync, appendFileSync, constants, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { renderJunit } from '../../reports/junit-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { EnvironmentError } from '../errors.js';
import { attachResultNoteToHead } from '../git/result-notes.js';
import type { RunResult } from '../result.js';

export interface WrittenOutputs {
  dir: string;
  files: string[];
  note: string | null;
}

/** Writes a file whole or not at all (temp file, then rename), naming the path when it cannot. */
export function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    // A full disk leaves a partial temp file: never leave it beside the outputs.
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing was written there
    }
    throw new EnvironmentError(
      `cannot write ${path}: ${code || (error instanceof Error ? error.message : String(error))}`,
      code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full: free space or choose another --out' : undefined,
    );
  }
}

/**
 * Creates the output folder and proves it writable (a probe file, removed again), so that a run
 * fails before measuring rather than after. Returns its absolute path.
 */
export function ensureOutputDir(dir: string): string {
  const out = resolve(dir);
  const hint = '--out must name a folder that can be created and written to';
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new EnvironmentError(`cannot create the output folder ${out}: ${(error as { code?: string }).code ?? String(error)}`, hint);
  }
  const probe = join(out, `.querygate-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    throw new EnvironmentError(`cannot write into the output folder ${out}: ${(error as { code?: string }).code ?? String(error)}`, hint);
  }
  return out;
}

/** The files of a run's verdict, by name. */
export const RUN_OUTPUT_FILES = ['result.json', 'report.md', 'junit.xml'] as const;

/**
 * Writes `files` (name -> text) into DIR as a whole: into a fresh sibling folder first, which
 * then takes DIR's place in one rename (files of DIR under other names move along). Where DIR
 * cannot be swapped (a mount point, or a parent that is not writable), the fresh folder is made
 * inside DIR and its files renamed over DIR's one by one. When any write fails, DIR keeps none
 * of `files`' names either, so that no earlier run's report or JUnit file stands there as if it
 * were this run's verdict. `write` is the file writer (tests inject failures with it).
 */
export function replaceOutputs(dir: string, files: ReadonlyMap<string, string>, write: (path: string, text: string) => void = writeFileAtomic): string[] {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const swap = canSwap(out);
  const stage = swap ? join(dirname(out), `.${basename(out)}.writing-${process.pid}`) : join(out, `.writing-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  try {
    mkdirSync(stage);
    for (const [name, text] of files) write(join(stage, name), text);
  } catch (error) {
    rmSync(stage, { recursive: true, force: true });
    for (const name of files.keys()) rmSync(join(out, name), { force: true });
    const code = (error as { code?: string }).code ?? String(error);
    throw error instanceof EnvironmentError ? error : new EnvironmentError(`cannot write into ${stage}: ${code}`);
  }
  try {
    if (swap) {
      const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
      for (const entry of readdirSync(out)) if (!files.has(entry)) renameSync(join(out, entry), join(stage, entry));
      renameSync(out, old);
      renameSync(stage, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      for (const name of files.keys()) renameSync(join(stage, name), join(out, name));
      rmSync(stage, { recursive: true, force: true });
    }
  } catch (error) {
    throw new EnvironmentError(`cannot move the outputs from ${stage} into ${out}: ${(error as { code?: string }).code ?? String(error)}`);
  }
  return [...files.keys()].map((name) => join(out, name));
}

/** Whether DIR can be replaced by a sibling folder: same file system as its parent, parent writable. */
function canSwap(out: string): boolean {
  const parent = dirname(out);
  if (parent === out || statSync(parent).dev !== statSync(out).dev) return false;
  try {
    accessSync(parent, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** result.json, report.md and junit.xml into DIR; the step summary and a git note when asked. */
export async function writeRunOutputs(result: RunResult, dir: string, options: { attachNote: boolean }): Promise<WrittenOutputs> {
  const out = ensureOutputDir(dir);
  const markdown = renderMarkdown(result);
  const texts = [`${JSON.stringify(result, null, 1)}\n`, markdown, renderJunit(result)];
  // All or nothing, and nothing stale: see replaceOutputs.
  const files = replaceOutputs(out, new Map(RUN_OUTPUT_FILES.map((name, i) => [name, texts[i] as string])));
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary !== undefined && summary !== '') {
    try {
      appendFileSync(summary, `${markdown}\n`);
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
    execFileSync('git', ['notes', '--ref=querygate', 'add', '-f', '-F', file, 'HEAD'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    return `refs/notes/querygate on ${head}`;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new EnvironmentError(`cannot attach the git note: ${stderr || (error instanceof Error ? error.message : String(error))}`);
  }
}
