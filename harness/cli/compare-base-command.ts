import { parseResultFile } from '../core/parse-result-file.js';
import { readResultFile } from '../core/read-result-file.js';
import { describeBase, findBaseResult } from '../git/find-base-result.js';
import { compareResults, emit, parseThreshold } from './result-commands.js';
import { stderrLine } from './exit-codes.js';

export interface CompareBaseArgs {
  base: string;
  /** The after side; defaults to the last run's result. */
  before?: string | undefined;
  out?: string | undefined;
  threshold: string;
  /** The repository to read notes from. @default the current folder */
  cwd?: string | undefined;
}

/** Where `run` writes by default: `compare --base REF` without a file compares the last run. */
export const LAST_RESULT = 'reports/out/latest/result.json';

/**
 * `querygate compare --base REF [AFTER.json]`: the result note of REF (or of its nearest first-parent
 * ancestor with one, said loudly on stderr and at the top of the comparison) against AFTER, judged
 * exactly as `compare` judges two files.
 */
export async function compareBaseCommand(args: CompareBaseArgs): Promise<number> {
  const afterPath = args.before ?? LAST_RESULT;
  const thresholdPct = parseThreshold(args.threshold);
  const base = findBaseResult(args.base, args.cwd === undefined ? {} : { cwd: args.cwd });
  const line = describeBase(base);
  process.stderr.write(stderrLine(`querygate: ${base.distance === 0 ? '' : 'warning: '}${line}`));
  const before = parseResultFile(base.text, base.label);
  const after = await readResultFile(afterPath);
  return emit(compareResults(before, after, { thresholdPct, head: line }), `compare --base ${args.base}`, args.out);
}
