import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';
import { callSite } from './call-site.js';
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
  /**
   * The frame that issued it, when call sites are captured: `src/impl/baseline.ts:52` (relative to
   * the checkout), `181b013c7f64:src/impl/baseline.ts:52` (a revision `run --against` loaded), or
   * an absolute path marked `(outside the checkout)`.
   */
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
  /** The connection the statement runs on. */
  __knexUid?: string;
  sql: string;
  bindings?: readonly unknown[];
  method?: string;
}

/** What tarn hands out: a knex connection, named by the uid its statements carry. */
type PooledConnection = { __knexUid?: string } | null | undefined;

/**
 * How record() finds the statements of a request. `context`: by async context (AsyncLocalStorage),
 * whatever else runs meanwhile. `in-flight`: while it is the only request in flight, every
 * statement started on the knex instance is its own, found without async context: for a caller
 * that starts no statement outside the recorder's requests meanwhile, as LoopbackEndpoint's (the
 * harness times one endpoint at a time and runs nothing beside it). Requests that join it are
 * told apart by their context, and it by having none.
 */
export type Attribution = 'context' | 'in-flight';

/**
 * Counts and times every statement a knex instance runs, attributed to the request that issued
 * it, so concurrent requests never mix and statements outside any request are not counted in one.
 *
 * A statement belongs to the request that asked the pool for its connection (a transaction's
 * statements, to the one that opened it), found when the pool is asked: synchronously, where the
 * builder is awaited. Statements a request started and left running when it ended stay its own;
 * one it starts after it has ended (on a timer, say) is not. The AsyncLocalStorage that tells
 * requests apart is enabled only while a request needs it, and disabled when none is in flight:
 * on Node 20 an enabled one hooks every promise, tick and timer of the process.
 */
export class QueryRecorder {
  private readonly storage = new AsyncLocalStorage<RequestLog>();
  private attached = false;
  private inFlight = 0;
  private tracking = false;
  /** The `in-flight` request that began while none was in flight: it runs outside the storage's scope. */
  private solo: RequestLog | undefined;
  /** Requests in flight: a context's log that has ended is no request's any more. */
  private readonly open = new Set<RequestLog>();
  /** Pool acquires in progress by tarn's event id: the request that asked (null: none) and when. */
  private readonly acquires = new Map<number, { log: RequestLog | null; started: number }>();
  /** The request each connection was handed to, by its knex uid (null: none). */
  private readonly owners = new Map<string, RequestLog | null>();
  /** Outside-of-request statements seen while attached: a sign of work leaking out of scope. */
  unattributed = 0;

  constructor(
    private readonly db: Knex,
    /** callSiteFilter: only frames it matches may be a call site (default: any application frame). */
    private readonly options: { callSiteFilter?: RegExp } = {},
  ) {}

  /** Capture the frame that issued each statement (costly: off while timing). */
  captureCallSites = false;

  attach(): this {
    if (this.attached) return this;
    this.pool()?.on('acquireRequest', this.onAcquireRequest);
    this.pool()?.on('acquireSuccess', this.onAcquireSuccess);
    this.pool()?.on('acquireFail', this.onAcquireFail);
    this.db.on('query', this.onQuery);
    this.db.on('query-response', this.onResponse);
    this.db.on('query-error', this.onError);
    this.attached = true;
    return this;
  }

  detach(): this {
    this.pool()?.removeListener('acquireRequest', this.onAcquireRequest);
    this.pool()?.removeListener('acquireSuccess', this.onAcquireSuccess);
    this.pool()?.removeListener('acquireFail', this.onAcquireFail);
    this.acquires.clear();
    this.owners.clear();
    this.db.off('query', this.onQuery);
    this.db.off('query-response', this.onResponse);
    this.db.off('query-error', this.onError);
    this.attached = false;
    return this;
  }

  /** Runs fn as one request and returns its log beside its value. */
  record<T>(fn: () => Promise<T>, log = new RequestLog(), attribution: Attribution = 'context'): Promise<{ value: T; log: RequestLog }> {
    const alone = attribution === 'in-flight' && this.inFlight === 0;
    this.inFlight += 1;
    this.open.add(log);
    if (alone) this.solo = log;
    else this.tracking = true;
    let running: Promise<T>;
    try {
      running = alone ? fn() : this.storage.run(log, fn);
    } catch (error) {
      this.ended(log, alone);
      return Promise.reject(error);
    }
    // then() rather than an async function: fewer promises on every timed request.
    return Promise.resolve(running).then(
      (value) => {
        this.ended(log, alone);
        return { value, log };
      },
      (error: unknown) => {
        this.ended(log, alone);
        throw error;
      },
    );
  }

  private ended(log: RequestLog, alone: boolean): void {
    this.open.delete(log);
    if (alone) this.solo = undefined;
    if (--this.inFlight === 0 && this.tracking) {
      // With no AsyncLocalStorage enabled, Node 20 turns its async hooks off again.
      this.storage.disable();
      this.tracking = false;
    }
  }

  /** The log of the request in whose context this is called (an `in-flight` request alone: that request). */
  current(): RequestLog | undefined {
    const store = this.storage.getStore();
    if (store === undefined) return this.solo;
    return this.open.has(store) ? store : undefined;
  }

  /** Requests in flight through record(). */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Whether its AsyncLocalStorage is enabled (and with it Node's async hooks): while a `context` request is in flight, or requests overlap. */
  get tracksContext(): boolean {
    return this.tracking;
  }

  /** knex's tarn pool, whose acquire events time the wait for a connection (tarn has no `off`). */
  private pool(): { on(e: string, f: (...args: never[]) => void): void; removeListener(e: string, f: (...args: never[]) => void): void } | undefined {
    return (this.db.client as { pool?: ReturnType<QueryRecorder['pool']> }).pool;
  }

  private readonly onAcquireRequest = (eventId: number): void => {
    const log = this.current() ?? null;
    this.acquires.set(eventId, { log, started: log === null ? 0 : performance.now() });
  };

  private readonly onAcquireSuccess = (eventId: number, connection: PooledConnection): void => {
    const log = this.acquired(eventId);
    const uid = connection?.__knexUid;
    if (uid !== undefined) this.owners.set(uid, log);
  };

  private readonly onAcquireFail = (eventId: number): void => {
    this.acquired(eventId);
  };

  /** Ends an acquire: its wait goes to the request that asked, which it returns. */
  private acquired(eventId: number): RequestLog | null {
    const entry = this.acquires.get(eventId);
    if (entry === undefined) return null;
    this.acquires.delete(eventId);
    if (entry.log !== null) entry.log.poolWaitMs += performance.now() - entry.started;
    return entry.log;
  }

  /** The request a statement belongs to: its connection's, else (a connection acquired before attach) its context's. */
  private logOf(event: KnexQueryEvent): RequestLog | undefined {
    const owner = event.__knexUid === undefined ? undefined : this.owners.get(event.__knexUid);
    return owner === undefined ? this.current() : (owner ?? undefined);
  }

  private readonly onQuery = (event: KnexQueryEvent): void => {
    const log = this.logOf(event);
    if (log === undefined) {
      this.unattributed += 1;
      return;
    }
    const query: RecordedQuery = {
      sql: event.sql,
      bindings: event.bindings ?? [],
      method: event.method ?? null,
      durationMs: null,
      rows: null,
      error: null,
      transactionControl: isTransactionControl(event.sql),
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
    const uid = event.__knexQueryUid;
    const log = uid === undefined ? undefined : this.logOf(event);
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
