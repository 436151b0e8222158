import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root, so that call sites are reported relative to it (`src/impl/baseline.ts:52`). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Frames between the event and the application: the recorder, EventEmitter, knex's runner and client. */
const CALL_SITE_DEPTH = 40;
/**
 * The harness's own frames that only forward to the application: the recorder (this folder) and
 * the loopback server that runs a handler as a request. Harness code that issues a statement of
 * its own (the drift probe's handler, a query plan) is that statement's call site.
 */
const INSTRUMENTATION = /^harness\/(instrument\/|runner\/loopback-endpoint\.ts$)/;
/** A copy of src/ that `run --against` loads: a revision's (by sha) or the working tree's (by content hash). */
const REVISION_COPY = /(?:^|\/)reports\/out\/\.revisions\/([0-9a-f]{40}|worktree-[0-9a-f]+)\/(.+)$/;
/** `at fn (path:line:col)`, `at path:line:col`, with `file://` URLs on ESM frames. */
const FRAME_LOCATION = /\(?((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?$/;

/**
 * The frame that issued the statement being emitted: the first frame of the stack that is not
 * Node's own, not a package's (knex, its drivers, the test runner) and not the harness forwarding
 * to the application, wherever it lives. V8's async stack traces keep the awaiting callers, so the
 * frame of the function that awaited the builder is still on the stack here, but below a dozen
 * frames of knex: past the default Error.stackTraceLimit of 10, hence the deeper trace.
 * `accept`, when given, narrows the frames that may be the call site (e.g. only src/).
 */
export function callSite(accept?: RegExp): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = CALL_SITE_DEPTH;
  const stack = new Error().stack?.split('\n') ?? [];
  Error.stackTraceLimit = limit;
  for (const line of stack.slice(1)) {
    if (accept !== undefined && !accept.test(line)) continue;
    const match = FRAME_LOCATION.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const site = describeFrame(match[1], Number(match[2]));
    if (site !== null) return site;
  }
  return null;
}

/**
 * How a frame's location is reported, or null for a frame that is not the application's:
 * `src/impl/baseline.ts:52` in the checkout; `181b013c7f64:src/impl/baseline.ts:52` in a revision
 * that `run --against` exported (git's REV:PATH, for `git show`), the working tree's copy as the
 * working tree; an absolute path, so marked, outside the checkout.
 */
export function describeFrame(location: string, line: number, root = ROOT): string | null {
  if (location.startsWith('node:') || !(location.startsWith('file://') || isAbsolute(location))) return null;
  const path = location.startsWith('file://') ? fileURLToPath(location) : location;
  const inside = relative(root, path);
  const outside = inside.startsWith('..') || isAbsolute(inside);
  const shown = (outside ? path : inside).split(sep).join('/');
  if (/(^|\/)node_modules\//.test(shown) || (!outside && INSTRUMENTATION.test(shown))) return null;
  const copy = REVISION_COPY.exec(shown);
  if (copy?.[1] !== undefined && copy[2] !== undefined) {
    return copy[1].startsWith('worktree-') ? `${copy[2]}:${line}` : `${copy[1].slice(0, 12)}:${copy[2]}:${line}`;
  }
  return outside ? `${shown}:${line} (outside the checkout)` : `${shown}:${line}`;
}
