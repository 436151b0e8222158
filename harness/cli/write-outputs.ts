import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

/** result.json, report.md and junit.xml into DIR; the step summary and a git note when asked. */
export async function writeRunOutputs(result: RunResult, dir: string, options: { attachNote: boolean }): Promise<WrittenOutputs> {
  const out = ensureOutputDir(dir);
  const markdown = renderMarkdown(result);
  const files = [join(out, 'result.json'), join(out, 'report.md'), join(out, 'junit.xml')];
  // All or nothing: when one write fails (disk full), the others of this run are removed again,
  // so that no report or JUnit file claims a verdict that result.json does not hold.
  const texts = [`${JSON.stringify(result, null, 1)}\n`, markdown, renderJunit(result)];
  const written: string[] = [];
  try {
    files.forEach((file, i) => {
      writeFileAtomic(file, texts[i] as string);
      written.push(file);
    });
  } catch (error) {
    for (const file of written) rmSync(file, { force: true });
    throw error;
  }
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
