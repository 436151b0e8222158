import { compareRuns } from '../judge/compare.js';
import { renderComparisonMarkdown } from '../../reports/comparison-markdown.js';
import { parseResultFile } from '../core/parse-result-file.js';
import { readResultFile } from '../core/read-result-file.js';
import { describeBase, findBaseResult } from '../git/find-base-result.js';
import { parseThreshold } from './result-commands.js';
import { writeFileAtomic } from './write-outputs.js';

export interface CompareBaseArgs {
  base: string;
  /** The after side; defaults to the last run's result. */
  before?: string | undefined;
  out?: string | undefined;
  threshold: string;
}

/** Where `run` writes by default: `compare --base REF` without a file compares the last run. */
export const LAST_RESULT = 'reports/out/latest/result.json';

/**
 * `querygate compare --base REF [AFTER.json]`: the result note of REF (or of its nearest first-parent
 * ancestor with one, said loudly on stderr and at the top of the comparison) against AFTER.
 */
export async function compareBaseCommand(args: CompareBaseArgs): Promise<number> {
  const afterPath = args.before ?? LAST_RESULT;
  const thresholdPct = parseThreshold(args.threshold);
  const base = findBaseResult(args.base);
  const line = describeBase(base);
  process.stderr.write(`querygate: ${base.distance === 0 ? '' : 'warning: '}${line}\n`);
  const before = parseResultFile(base.text, `git note of ${base.commit.slice(0, 10)}`);
  const after = await readResultFile(afterPath);
  const comparison = compareRuns(before, after, { thresholdPct });
  const text = `> ${line}\n\n${renderComparisonMarkdown(comparison)}`;
  if (args.out === undefined) process.stdout.write(text);
  else {
    writeFileAtomic(args.out, text);
    process.stdout.write(`wrote ${args.out}\n`);
  }
  if (comparison.regressed) process.stderr.write(`querygate: regression against ${base.commit.slice(0, 10)}: see the comparison\n`);
  return comparison.regressed ? 1 : 0;
}
