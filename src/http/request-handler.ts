import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Knex } from 'knex';
import { CursorCodec } from '../cursor.js';
import type { Implementation } from '../impl/implementation.js';
import { createLogger, type Logger } from '../logger.js';
import { artifactRoutes } from './artifact-routes.js';
import { HttpError, badRequest, notFound } from './http-error.js';
import { formOf, Reply, routeFor, type Route } from './route.js';
import { IMPLEMENTATION_NAMES, ROUTES } from './routes.js';

export interface HandlerOptions {
  /** Secret that signs pagination cursors. @default 'querygate-cursor-v1' */
  cursorSecret?: string;
  /** @default a logger on namespace 'querygate:http' at level warn (debug via DEBUG=querygate:*) */
  logger?: Logger;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const MAX_URL_LENGTH = 4096;

/**
 * The service as one implementation answers it, as a Node request handler over a knex instance:
 * every route of src/http/routes.ts, each by this implementation's form of it. `implementation`
 * is a name (see IMPLEMENTATION_NAMES), or an artifact implementation object, which answers the
 * artifact routes and, by its name, the others. It never throws: every outcome is a JSON response.
 */
export function createRequestHandler(db: Knex, implementation: string | Implementation, options: HandlerOptions = {}): RequestHandler {
  const name = typeof implementation === 'string' ? implementation : implementation.name;
  if (typeof implementation === 'string' && !IMPLEMENTATION_NAMES.includes(implementation)) {
    throw new Error(`unknown implementation ${JSON.stringify(implementation)}; known: ${IMPLEMENTATION_NAMES.join(', ')}`);
  }
  const routes: readonly Route[] = typeof implementation === 'string' ? ROUTES : [...artifactRoutes([implementation]), ...ROUTES];
  const cursors = new CursorCodec(options.cursorSecret ?? 'querygate-cursor-v1');
  const logger = options.logger ?? createLogger('querygate:http');
  const queryCounter = logger.debugEnabled ? countQueries(db) : undefined;

  async function route(req: IncomingMessage): Promise<unknown> {
    const url = req.url ?? '/';
    if (url.length > MAX_URL_LENGTH) throw badRequest(`request URL longer than ${MAX_URL_LENGTH} characters`);
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const search = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const method = req.method ?? 'GET';
    const found = routeFor(routes, method, path);
    if (found === undefined) throw notFound(`no route for ${path.slice(0, 100)}; routes: ${listOf(routes)}`);
    if (!('route' in found)) throw new HttpError(405, `method ${method} not allowed; use ${found.allowed.join(' or ')}`);
    const form = formOf(found.route, name);
    if (form === undefined) {
      throw notFound(`implementation ${JSON.stringify(name)} does not serve ${found.route.method} ${found.route.pattern} (served by ${Object.keys(found.route.forms).join(', ')})`);
    }
    return form({ db, req, path, params: found.params, search, cursors });
  }

  return async (req, res) => {
    const started = performance.now();
    const handle = async () => {
      try {
        const answer = await route(req);
        if (answer instanceof Reply) send(res, answer.status, answer.body);
        else send(res, 200, answer);
      } catch (error) {
        if (error instanceof HttpError) send(res, error.status, { detail: error.message });
        else {
          logger.error(`${req.method} ${req.url?.slice(0, 200)}: ${error instanceof Error ? error.message : String(error)}`);
          send(res, 500, { detail: 'internal error' });
        }
      }
    };
    if (queryCounter === undefined) return handle();
    const counted = { n: 0 };
    await queryCounter.run(counted, handle);
    logger.debug(
      `${req.method} ${req.url?.slice(0, 200)} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms ${counted.n} queries impl=${name}`,
    );
  };
}

/** `GET /api/v1/artifacts, GET /api/v1/artifacts/{id}, ...`: each route once. */
function listOf(routes: readonly Route[]): string {
  return [...new Set(routes.map((r) => `${r.method} ${r.pattern}`))].join(', ');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** The service's own query counter for its debug log (TASK-1.3); only attached when debug is on. */
function countQueries(db: Knex): AsyncLocalStorage<{ n: number }> {
  const storage = new AsyncLocalStorage<{ n: number }>();
  db.on('query', () => {
    const counter = storage.getStore();
    if (counter !== undefined) counter.n += 1;
  });
  return storage;
}
