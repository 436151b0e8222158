import type { Knex } from 'knex';
import { createRequestHandler, type RequestHandler } from '../../src/http/request-handler.js';
import type { Implementation } from '../../src/impl/implementation.js';
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
