import { analyzeHistory, historyVerdict } from '../judge/history.js';
import { reportVerdict } from './exit-codes.js';
import { renderHistoryMarkdown } from '../../reports/history-markdown.js';
import { UsageError } from '../core/errors.js';
import { RESULT_NOTES_REF } from '../git/result-notes.js';
import { readHistory } from './read-history.js';
import { writeFileAtomic } from './write-outputs.js';

export interface HistoryArgs {
  range?: string | undefined;
  'max-count': number;
  json: boolean;
  out?: string | undefined;
  significance: number;
  'min-change': number;
}

/**
 * `querygate history [RANGE]`: the implementation under test's figures commit by commit from the
 * result notes, and the steps in them. Exit 0 (it reports; gates and compare decide), 2 when
 * there is nothing to read.
 */
export async function historyCommand(args: HistoryArgs): Promise<number> {
  const range = args.range ?? 'HEAD';
  let read: ReturnType<typeof readHistory>;
  try {
    read = readHistory(range, { maxCount: args['max-count'] });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`history ${range}: not a revision or range of this repository (e.g. HEAD, origin/main, v1.0..HEAD): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  for (const problem of read.skipped) process.stderr.write(`querygate: warning: skipped a note: ${problem}\n`);
  const verdict = historyVerdict(range, read.commits, read.entries.length);
  if (verdict.outcome !== 'pass') {
    return reportVerdict(verdict, `history ${range} (run with --attach-note, or fetch the notes: git fetch origin ${RESULT_NOTES_REF}:${RESULT_NOTES_REF})`);
  }
  const label = range.includes('..') ? range : `${range} (last ${args['max-count']} first-parent commits)`;
  const report = analyzeHistory(read.entries, label, read.commits, { significance: args.significance, minChange: args['min-change'] / 100 });
  const text = args.json ? `${JSON.stringify(report, null, 1)}\n` : renderHistoryMarkdown(report);
  if (args.out === undefined) process.stdout.write(text);
  else {
    writeFileAtomic(args.out, text);
    process.stdout.write(`wrote ${args.out}\n`);
  }
  return reportVerdict(verdict, `history ${range}`);
}
