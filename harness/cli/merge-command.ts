import { mergeResults } from '../judge/merge-results.js';
import { readResultFile } from '../core/read-result-file.js';
import { UsageError } from '../core/errors.js';
import { clearProgress } from './progress.js';
import { printSummary } from './summary.js';
import { reportVerdict } from './exit-codes.js';
import { runVerdict } from '../judge/judge-run.js';
import { writeRunOutputs } from './write-outputs.js';

export interface MergeArgs {
  results: string[];
  out: string;
}

/** `querygate merge A.json B.json ... --out DIR`: one result, report and JUnit from the parts; exit code as one run. */
export async function mergeCommand(args: MergeArgs): Promise<number> {
  if (args.results.length < 2) throw new UsageError(`merge needs 2 or more result files, got ${args.results.length} (e.g. querygate merge shard-1/result.json shard-2/result.json --out reports/out/merged)`);
  const inputs = await Promise.all(args.results.map(async (path) => ({ label: path, result: await readResultFile(path) })));
  const { result, warnings } = mergeResults(inputs);
  clearProgress();
  for (const warning of warnings) process.stderr.write(`querygate: warning: ${warning}\n`);
  const written = await writeRunOutputs(result, args.out, { attachNote: false });
  printSummary(result, written);
  return reportVerdict(runVerdict(result), 'merge');
}
