import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../result.js';
import { parseResultFile } from './parse-result-file.js';
import { ResultFileError } from './result-file-error.js';

/** Reads a run result from a result.json, or from the result.json inside a run's directory. */
export async function readResultFile(path: string): Promise<RunResult> {
  let file = path;
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'result.json');
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? String(error)})`;
    throw new ResultFileError(file, problem);
  }
  return parseResultFile(text, file);
}
