import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from './result.js';
import { parseResultFile } from './parse-result-file.js';
import { ResultFileError } from './result-file-error.js';

/** The most a result may take (bytes): a default run's result is well under 5 MB. @default 32 MiB */
export const MAX_RESULT_BYTES = 32 * 1024 * 1024;

/** Reads a run result from a result.json, or from the result.json inside a run's directory. */
export async function readResultFile(path: string): Promise<RunResult> {
  let file = path;
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'result.json');
    const { size } = await stat(file);
    if (size > MAX_RESULT_BYTES) throw new ResultFileError(file, `is ${size} bytes, above ${MAX_RESULT_BYTES}, the limit of a result: refused`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ResultFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? String(error)})`;
    throw new ResultFileError(file, problem);
  }
  return parseResultFile(text, file);
}
