import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { fingerprint, isTransactionControl } from './fingerprint.js';

/** One statement the database executed for a request. */
export interface RecordedQuery {
  sql: string;
  bindings: readonly unknown[];
  /** knex's method ('select', 'first', 'raw', ...); null for transaction control. */
  method: string | null;
  /** ms from knex sending the statement to its answer; excludes pool wait. null when knex reports none. */
  durationMs: number | null;
  /** Rows the database returned; null when unknown. */
  rows: number | null;
  error: string | null;
  transactionControl: boolean;
  /** `src/impl/baseline.ts:52` when call sites are captured. */
  callSite: string | null;
}

/** The queries of one request, in order. */
export class RequestLog {
  readonly queries: RecordedQuery[] = [];
  /** Uids of statements sent but not yet answered, with their start time. */
  readonly pending = new Map<string, { started: number; query: RecordedQuery }>();
  /** Time spent waiting for a pool connection (not inside any statement's duration), ms. */
  poolWaitMs = 0;

  get count(): number {
    return this.queries.length;
  }

  get rows(): number {
    return this.queries.reduce((sum, q) => sum + (q.rows ?? 0), 0);
  }

  get dbTimeMs(): number {
    return this.queries.reduce((sum, q) => sum + (q.durationMs ?? 0), 0);
  }

  /** Executions per fingerprint, most frequent first. */
  fingerprints(): { sql: string; count: number; example: RecordedQuery }[] {
    const map = new Map<string, { sql: string; count: number; example: RecordedQuery }>();
    for (const q of this.queries) {
      const key = fingerprint(q.sql);
      const entry = map.get(key);
      if (entry === undefined) map.set(key, { sql: key, count: 1, example: q });
      else entry.count += 1;
    }
    return [...map.values()].sort((a, b) => b.count - a.count || (a.sql < b.sql ? -1 : 1));
  }
}

interface KnexQueryEvent {
  __knexQueryUid?: string;
  sql: string;
  bindings?: readonly unknown[];
  method?: string;
}

/**
 * Counts and times every statement a knex instance runs, attributed to the request in whose
 * async context it was issued (AsyncLocalStorage), so concurrent requests never mix and
 * statements outside any request are not counted in one.
 */
export class QueryRecorder {
  private readonly storage = new AsyncLocalStorage<RequestLog>();
  private attached = false;
  /** Outside-of-request statements seen while attached: a sign of work leaking out of scope. */
  unattributed = 0;

  constructor(
    private readonly db: Knex,
    private readonly options: { callSiteFilter?: RegExp } = {},
  ) {}

  /** Capture the application frame that issued each statement (costly: off while timing). */
  captureCallSites = false;

  attach(): this {
    if (this.attached) return this;
    this.pool()?.on('acquireRequest', this.onAcquireRequest);
    this.pool()?.on('acquireSuccess', this.onAcquireDone);
    this.pool()?.on('acquireFail', this.onAcquireDone);
    this.db.on('query', this.onQuery);
    this.db.on('query-response', this.onResponse);
    this.db.on('query-error', this.onError);
    this.attached = true;
    return this;
  }

  detach(): this {
    this.pool()?.removeListener('acquireRequest', this.onAcquireRequest);
    this.pool()?.removeListener('acquireSuccess', this.onAcquireDone);
    this.pool()?.removeListener('acquireFail', this.onAcquireDone);
    this.acquires.clear();
    this.db.off('query', this.onQuery);
    this.db.off('query-response', this.onResponse);
    this.db.off('query-error', this.onError);
    this.attached = false;
    return this;
  }

  /** Runs fn as one request and returns its log beside its value. */
  async record<T>(fn: () => Promise<T>, log = new RequestLog()): Promise<{ value: T; log: RequestLog }> {
    const value = await this.storage.run(log, fn);
    return { value, log };
  }

  /** The log of the request in whose context this is called. */
  current(): RequestLog | undefined {
    return this.storage.getStore();
  }

  private readonly acquires = new Map<number, { log: RequestLog; started: number }>();

  /** knex's tarn pool, whose acquire events time the wait for a connection (tarn has no `off`). */
  private pool(): { on(e: string, f: (...args: never[]) => void): void; removeListener(e: string, f: (...args: never[]) => void): void } | undefined {
    return (this.db.client as { pool?: ReturnType<QueryRecorder['pool']> }).pool;
  }

  private readonly onAcquireRequest = (eventId: number): void => {
    const log = this.storage.getStore();
    if (log !== undefined) this.acquires.set(eventId, { log, started: performance.now() });
  };

  private readonly onAcquireDone = (eventId: number): void => {
    const entry = this.acquires.get(eventId);
    if (entry === undefined) return;
    this.acquires.delete(eventId);
    entry.log.poolWaitMs += performance.now() - entry.started;
  };

  private readonly onQuery = (event: KnexQueryEvent): void => {
    const log = this.storage.getStore();
    if (log === undefined) {
      this.unattributed += 1;
      return;
    }
    const transactionControl = isTransactionControl(event.sql);
    const query: RecordedQuery = {
      sql: event.sql,
      bindings: event.bindings ?? [],
      method: event.method ?? null,
      durationMs: null,
      rows: null,
      error: null,
      transactionControl,
      callSite: this.captureCallSites ? callSite(this.options.callSiteFilter) : null,
    };
    log.queries.push(query);
    // knex 3 sends its own BEGIN/COMMIT/ROLLBACK/SAVEPOINT as bare strings: no uid, no method and
    // no query-response; keeping timing state for them would leak. Only statements with a uid get one.
    if (event.__knexQueryUid !== undefined) {
      log.pending.set(event.__knexQueryUid, { started: performance.now(), query });
    }
  };

  private readonly onResponse = (response: unknown, event: KnexQueryEvent): void => {
    const entry = this.finish(event);
    if (entry !== undefined) entry.rows = rowCount(response);
  };

  private readonly onError = (error: unknown, event: KnexQueryEvent): void => {
    const entry = this.finish(event);
    if (entry !== undefined) entry.error = error instanceof Error ? error.message : String(error);
  };

  private finish(event: KnexQueryEvent): RecordedQuery | undefined {
    const log = this.storage.getStore();
    const uid = event.__knexQueryUid;
    if (log === undefined || uid === undefined) return undefined;
    const pending = log.pending.get(uid);
    if (pending === undefined) return undefined;
    log.pending.delete(uid);
    pending.query.durationMs = performance.now() - pending.started;
    return pending.query;
  }
}

function rowCount(response: unknown): number | null {
  if (Array.isArray(response)) return response.length;
  if (response === undefined || response === null) return 0;
  if (typeof response === 'object') {
    const rows = (response as { rows?: unknown }).rows;
    return Array.isArray(rows) ? rows.length : 1;
  }
  return null;
}

/** The checkout's root, so that call sites are reported relative to it (`src/impl/baseline.ts:52`). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP_FRAME = new RegExp(`${escapeRegExp(ROOT)}src/|${escapeRegExp(pathToFileURL(ROOT).href)}src/`);
/** Frames between the event and the application: the recorder, EventEmitter, knex's runner and client. */
const CALL_SITE_DEPTH = 40;

/**
 * The first stack frame in application code. V8's async stack traces keep the awaiting callers,
 * so the frame of the function that awaited the builder is still on the stack here, but below a
 * dozen frames of knex: past the default Error.stackTraceLimit of 10, hence the deeper trace.
 */
function callSite(filter: RegExp = APP_FRAME): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = CALL_SITE_DEPTH;
  const stack = new Error().stack?.split('\n') ?? [];
  Error.stackTraceLimit = limit;
  for (const line of stack) {
    if (!filter.test(line) || line.includes('node_modules')) continue;
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
    if (match?.[1] === undefined) continue;
    const path = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    return `${path.startsWith(ROOT) ? path.slice(ROOT.length) : path}:${match[2]}`;
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
