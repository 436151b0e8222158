import { parseResultFile } from '../core/parse-result-file.js';
import type { HistoryEntry } from '../judge/history.js';
import { END_OF_OPTIONS, git, userRevision } from '../system/git.js';
import { decodeResultNote, listResultNotes, readNoteBlobs } from '../git/result-notes.js';

/** @default 100 */
export const DEFAULT_HISTORY_DEPTH = 100;

/**
 * The result notes along the first-parent history of RANGE (a revision: its last `maxCount`
 * commits; or A..B: all of them), oldest first. Notes that are not a querygate result are skipped
 * and named in `skipped`. A RANGE that starts with "-" is a UsageError: git would read it as an option.
 */
export function readHistory(range: string, options: { cwd?: string; maxCount?: number } = {}): {
  entries: HistoryEntry[];
  commits: number;
  skipped: string[];
} {
  const { cwd } = options;
  userRevision(range, 'history');
  const limit = range.includes('..') ? [] : [`--max-count=${options.maxCount ?? DEFAULT_HISTORY_DEPTH}`];
  const log = git(['log', '--first-parent', '--format=%H%x00%cI%x00%s', ...limit, END_OF_OPTIONS, range, '--'], { cwd })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\u0000'))
    .reverse();
  const notes = listResultNotes(cwd);
  const entries: HistoryEntry[] = [];
  const skipped: string[] = [];
  const noted = log.filter(([commit = '']) => notes.has(commit));
  const texts = readNoteBlobs(noted.map(([commit = '']) => notes.get(commit) as string), cwd);
  for (const [commit = '', date = '', subject = ''] of noted) {
    try {
      const label = `note of ${commit.slice(0, 10)}`;
      entries.push({ commit, date, subject, result: parseResultFile(decodeResultNote(texts.get(notes.get(commit) as string) ?? '', label), label) });
    } catch (error) {
      skipped.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { entries, commits: log.length, skipped };
}
