import type { Knex } from 'knex';
import { createRequestHandler, type RequestHandler } from '../../src/http/request-handler.js';
import type { Implementation } from '../../src/impl/implementation.js';
import { servingImplementations } from '../../src/http/routes.js';
import { EVERY_IMPLEMENTATION } from '../../src/http/route.js';
import { createLogger } from '../../src/logger.js';
import { PROBE_IMPL } from '../core/result.js';
import { CURSOR_SECRET } from './resolve-requests.js';

/** Builds the request handler of one served implementation over a knex instance. */
export type HandlerFactory = (db: Knex) => RequestHandler;

/**
 * Implementations the harness serves beside src/'s registry, by the name they get in results:
 * injected regressions, or the implementation under test at another git revision.
 */
export type ExtraImplementations = Readonly<Record<string, HandlerFactory>>;

/** The handler of `name`: an extra implementation of that name, else src/'s registry entry. */
export function handlerFactoryFor(name: string, extra: ExtraImplementations = {}): HandlerFactory {
  const own = Object.hasOwn(extra, name) ? extra[name] : undefined;
  if (own !== undefined) return own;
  if (name === PROBE_IMPL) return probeHandler;
  return (db) => implementationHandler(db, name);
}

/**
 * Implementations of this checkout's src/ that have no form of some request's route (a route
 * written in two forms, which the floor, say, does not answer): they are not measured on it. The
 * implementation under test is kept, so that its 404 says why; extra implementations (another
 * revision's, injected ones) are kept too, and a route new since REF is told by REF's answers.
 */
export function withoutForm(impls: readonly string[], paths: readonly string[], keep: readonly string[], extra: ExtraImplementations = {}): string[] {
  const served = paths.map((path) => servingImplementations('GET', path));
  return impls.filter(
    (impl) =>
      impl !== PROBE_IMPL &&
      !keep.includes(impl) &&
      !Object.hasOwn(extra, impl) &&
      served.some((names) => names !== undefined && !names.includes(impl) && !names.includes(EVERY_IMPLEMENTATION)),
  );
}

/** Serves an implementation of this checkout (by registry name or as an object). */
export function implementationHandler(db: Knex, impl: string | Implementation): RequestHandler {
  // The harness reads failures from the responses; the endpoint's own log would only interleave with progress.
  return createRequestHandler(db, impl, { cursorSecret: CURSOR_SECRET, logger: createLogger('querygate:http', 'silent') });
}

/** The statement of the drift probe: pure database CPU, the same on both dialects, no table of the fixture. */
const PROBE_SQL = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT count(*) AS n FROM c';

/**
 * The harness's drift probe: one fixed statement through the same HTTP server, driver and pool
 * as the endpoint, but none of the endpoint's code, tables or indexes. Between two runs, what
 * moves it is the machine; what moves the endpoint and not it is the code.
 */
export function probeHandler(db: Knex): RequestHandler {
  return async (_req, res) => {
    // Like the endpoint, it answers a failure (a lost server) with a 500: the run reads failures
    // from the responses and the connection watch, never from an unhandled rejection.
    let status = 200;
    let body: string;
    try {
      const rows: unknown = await db.raw(PROBE_SQL);
      body = JSON.stringify({ probe: Array.isArray(rows) ? rows.length : 1 });
    } catch (error) {
      status = 500;
      body = JSON.stringify({ detail: error instanceof Error ? error.message : String(error) });
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}
