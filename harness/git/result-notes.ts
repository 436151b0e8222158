import { gunzipSync, gzipSync } from 'node:zlib';
import { MAX_RESULT_BYTES } from '../core/read-result-file.js';
import { ResultFileError } from '../core/result-file-error.js';
import { EnvironmentError } from '../core/errors.js';
import type { RunResult } from '../core/result.js';
import { git, gitBytes } from '../system/git.js';

/** Where `--attach-note` keeps the markdown report (as before) and the compact result. */
export const REPORT_NOTES_REF = 'refs/notes/querygate';
export const RESULT_NOTES_REF = 'refs/notes/querygate-results';

/** Results above this size (minified JSON, bytes) are stored gzip-compressed and base64-encoded. */
export const COMPRESS_ABOVE_BYTES = 32 * 1024;
const GZIP_HEADER = 'querygate-result gzip+base64';

/**
 * The note text of a result: minified JSON with every field (raw samples included), or, when that is
 * large, a header line and the gzip of it in base64 (notes are text; git diffs and merges them as such).
 */
export function encodeResultNote(result: RunResult): string {
  const json = JSON.stringify(result);
  if (Buffer.byteLength(json) <= COMPRESS_ABOVE_BYTES) return `${json}\n`;
  const packed = gzipSync(json, { level: 9 }).toString('base64');
  return `${GZIP_HEADER}\n${packed.replace(/(.{76})/g, '$1\n').trimEnd()}\n`;
}


/**
 * The result JSON text inside a note written by {@link encodeResultNote}. Throws ResultFileError
 * naming the note (`label`) when its gzip is corrupt or truncated, or inflates past MAX_RESULT_BYTES (a gzip bomb is refused
 * before it takes the memory).
 */
export function decodeResultNote(note: string, label = 'a result note'): string {
  const text = note.trimStart();
  if (!text.startsWith(GZIP_HEADER)) {
    if (Buffer.byteLength(text) > MAX_RESULT_BYTES) throw new ResultFileError(label, `is larger than ${MAX_RESULT_BYTES} bytes, the limit of a result: refused`);
    return text;
  }
  try {
    return gunzipSync(Buffer.from(text.slice(GZIP_HEADER.length).replace(/\s+/g, ''), 'base64'), { maxOutputLength: MAX_RESULT_BYTES }).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new ResultFileError(label, `decompresses to more than ${MAX_RESULT_BYTES} bytes, the limit of a result: refused (a gzip bomb?)`);
    throw new ResultFileError(label, `its compressed result cannot be read (${code ?? (error instanceof Error ? error.message : String(error))}): the note is truncated or corrupt`);
  }
}

/** Stores the result as a note on `commit` under refs/notes/querygate-results, replacing an earlier one. */
export function attachResultNote(result: RunResult, commit = 'HEAD', cwd?: string): void {
  git(['notes', `--ref=${RESULT_NOTES_REF}`, 'add', '-f', '-F', '-', commit], { cwd, input: encodeResultNote(result) });
}

/** `--attach-note`: the result on HEAD; names the ref, or fails as the environment (exit 3). */
export function attachResultNoteToHead(result: RunResult): string {
  try {
    attachResultNote(result);
  } catch (error) {
    throw new EnvironmentError(`cannot attach the result note: ${error instanceof Error ? error.message : String(error)}`);
  }
  return RESULT_NOTES_REF;
}

/** Commits (full sha) that carry a result note, with the note's blob. */
export function listResultNotes(cwd?: string): Map<string, string> {
  const notes = new Map<string, string>();
  let listing = '';
  try {
    listing = git(['notes', `--ref=${RESULT_NOTES_REF}`, 'list'], { cwd });
  } catch {
    return notes; // no notes ref yet
  }
  for (const line of listing.split('\n')) {
    const [blob, commit] = line.trim().split(/\s+/);
    if (blob !== undefined && commit !== undefined) notes.set(commit, blob);
  }
  return notes;
}

/** The note text of a note blob, as stored (decode it with {@link decodeResultNote}). */
export function readNoteBlob(blob: string, cwd?: string): string {
  return git(['cat-file', 'blob', blob], { cwd });
}

/** The note texts of many note blobs, as stored, read by one `git cat-file --batch`. */
export function readNoteBlobs(blobs: readonly string[], cwd?: string): Map<string, string> {
  const texts = new Map<string, string>();
  if (blobs.length === 0) return texts;
  const out = Buffer.from(gitBytes(['cat-file', '--batch'], `${blobs.join('\n')}\n`, cwd));
  let at = 0;
  for (const blob of blobs) {
    const headerEnd = out.indexOf(10, at);
    const [, type, size] = out.subarray(at, headerEnd).toString('utf8').split(' ');
    if (type !== 'blob' || size === undefined) throw new Error(`git cat-file: no note blob ${blob}`);
    const start = headerEnd + 1;
    texts.set(blob, out.subarray(start, start + Number(size)).toString('utf8'));
    at = start + Number(size) + 1;
  }
  return texts;
}
