import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderJunit } from '../../reports/junit-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { EnvironmentError } from '../errors.js';
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
    throw new EnvironmentError(`cannot write ${path}: ${code || (error instanceof Error ? error.message : String(error))}`);
  }
}

/** result.json, report.md and junit.xml into DIR; the step summary and a git note when asked. */
export async function writeRunOutputs(result: RunResult, dir: string, options: { attachNote: boolean }): Promise<WrittenOutputs> {
  const out = resolve(dir);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new EnvironmentError(`cannot create the output folder ${out}: ${(error as { code?: string }).code ?? String(error)}`);
  }
  const markdown = renderMarkdown(result);
  const files = [join(out, 'result.json'), join(out, 'report.md'), join(out, 'junit.xml')];
  writeFileAtomic(files[0] as string, `${JSON.stringify(result, null, 1)}\n`);
  writeFileAtomic(files[1] as string, markdown);
  writeFileAtomic(files[2] as string, renderJunit(result));
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary !== undefined && summary !== '') {
    try {
      appendFileSync(summary, `${markdown}\n`);
    } catch (error) {
      throw new EnvironmentError(`cannot append to GITHUB_STEP_SUMMARY (${summary}): ${(error as { code?: string }).code ?? String(error)}`);
    }
  }
  const note = options.attachNote ? attachNote(files[1] as string) : null;
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
