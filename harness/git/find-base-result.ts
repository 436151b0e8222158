import { UsageError } from '../core/errors.js';
import { END_OF_OPTIONS, git, userRevision } from '../system/git.js';
import { decodeResultNote, listResultNotes, readNoteBlob, RESULT_NOTES_REF } from './result-notes.js';

/** The result note a comparison is based on, and how far it lies from the commit that was asked for. */
export interface BaseNote {
  /** As given, e.g. "origin/main" or a sha. */
  requested: string;
  requestedSha: string;
  /** The commit whose note is used: the requested one or its nearest first-parent ancestor with a note. */
  commit: string;
  /** First-parent commits between the requested commit and the one used (0: the requested one itself). */
  distance: number;
  /** Committer-date days between the two. */
  days: number;
  /** The result JSON text of the note. */
  text: string;
  /** How messages name the note, e.g. "the result note of 1a2b3c4d5e". */
  label: string;
}

/** How far back along first parents to look for a note. @default 1000 */
export const DEFAULT_BASE_SEARCH_DEPTH = 1000;

const FETCH_HINT = `fetch the notes with: git fetch origin ${RESULT_NOTES_REF}:${RESULT_NOTES_REF}`;

/**
 * Finds the result note of `ref`, or of its nearest first-parent ancestor that has one. Never falls
 * back silently: the caller says which commit was used; without any note this throws a UsageError
 * naming what was searched (and whether the clone is shallow, which hides older ancestors).
 */
export function findBaseResult(ref: string, options: { cwd?: string; maxDepth?: number } = {}): BaseNote {
  const { cwd } = options;
  userRevision(ref, '--base');
  let requestedSha: string;
  try {
    requestedSha = git(['rev-parse', '--verify', '--quiet', END_OF_OPTIONS, `${ref}^{commit}`], { cwd }).trim();
  } catch {
    throw new UsageError(`--base ${ref}: no such commit in this repository (e.g. --base origin/main; in a shallow clone fetch it first)`);
  }
  const notes = listResultNotes(cwd);
  const lines = git(['rev-list', '--first-parent', '--timestamp', `--max-count=${options.maxDepth ?? DEFAULT_BASE_SEARCH_DEPTH}`, END_OF_OPTIONS, requestedSha], { cwd })
    .split('\n')
    .filter((line) => line !== '');
  const requestedTime = Number(lines[0]?.split(' ')[0] ?? 0);
  for (const [distance, line] of lines.entries()) {
    const [time, sha] = line.split(' ');
    const blob = sha === undefined ? undefined : notes.get(sha);
    if (sha === undefined || blob === undefined) continue;
    const label = `the result note of ${sha.slice(0, 10)} (--base ${ref})`;
    return { requested: ref, requestedSha, commit: sha, distance, days: (requestedTime - Number(time)) / 86_400, text: decodeResultNote(readNoteBlob(blob, cwd), label), label };
  }
  const shallow = git(['rev-parse', '--is-shallow-repository'], { cwd }).trim() === 'true';
  const where = `${ref} (${requestedSha.slice(0, 10)}) or any of its ${lines.length - 1} first-parent ancestors${shallow ? ' in this shallow clone' : ''}`;
  throw new UsageError(
    notes.size === 0
      ? `--base ${ref}: no result notes in this repository (${RESULT_NOTES_REF} is empty or absent); ${FETCH_HINT}`
      : `--base ${ref}: no result note on ${where}${shallow ? '; deepen the clone (git fetch --deepen=100)' : ''}`,
  );
}

/** One loud line saying which commit's result is the base, e.g. for stderr and the report's head. */
export function describeBase(base: BaseNote): string {
  const used = base.commit.slice(0, 10);
  if (base.distance === 0) return `base: the result note of ${base.requested} itself (${used})`;
  const days = base.days < 1 ? `${(base.days * 24).toFixed(1)} hours` : `${base.days.toFixed(1)} days`;
  return `base: ${base.requested} (${base.requestedSha.slice(0, 10)}) has no result note; using its ancestor ${used}, ${base.distance} first-parent commit${base.distance === 1 ? '' : 's'} and ${days} older`;
}
