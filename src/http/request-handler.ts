import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Knex } from 'knex';
import { CursorCodec } from '../cursor.js';
import type { Implementation } from '../impl/implementation.js';
import { getImplementation, IMPLEMENTATION_NAMES } from '../impl/registry.js';
import { createLogger, type Logger } from '../logger.js';
import { parseArtifactId, parseListQuery } from '../params.js';
import { COLLECTIONS_PATH, Reply, routeCollections } from './collection-routes.js';
import { HttpError, badRequest, notFound } from './http-error.js';

export interface HandlerOptions {
  /** Secret that signs pagination cursors. @default 'querygate-cursor-v1' */
  cursorSecret?: string;
  /** @default a logger on namespace 'querygate:http' at level warn (debug via DEBUG=querygate:*) */
  logger?: Logger;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const MAX_URL_LENGTH = 4096;
const LIST_PATH = '/api/v1/artifacts';

/**
 * The endpoint as a Node request handler, over a knex instance and one implementation (a name
 * from the registry, or an implementation object). It never throws: every outcome is a JSON response.
 */
export function createRequestHandler(db: Knex, implementation: string | Implementation, options: HandlerOptions = {}): RequestHandler {
  const impl = typeof implementation === 'string' ? getImplementation(implementation) : implementation;
  if (impl === undefined) {
    throw new Error(`unknown implementation ${JSON.stringify(implementation)}; known: ${IMPLEMENTATION_NAMES.join(', ')}`);
  }
  const cursors = new CursorCodec(options.cursorSecret ?? 'querygate-cursor-v1');
  const logger = options.logger ?? createLogger('querygate:http');
  const queryCounter = logger.debugEnabled ? countQueries(db) : undefined;

  async function route(req: IncomingMessage): Promise<unknown> {
    const url = req.url ?? '/';
    if (url.length > MAX_URL_LENGTH) throw badRequest(`request URL longer than ${MAX_URL_LENGTH} characters`);
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const search = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    if (path === LIST_PATH || path === `${LIST_PATH}/`) {
      requireGet(req);
      return impl!.listArtifacts(db, parseListQuery(search, cursors), cursors);
    }
    if (path.startsWith(`${LIST_PATH}/`)) {
      const raw = path.slice(LIST_PATH.length + 1);
      if (raw.includes('/')) throw notFound(`no route for ${path.slice(0, 100)}; routes: GET ${LIST_PATH}, GET ${LIST_PATH}/{type:name}`);
      requireGet(req);
      if ([...search.keys()].length > 0) throw badRequest('the detail endpoint takes no query parameters');
      let decoded: string;
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        throw badRequest('artifact id is not valid percent-encoding');
      }
      const id = parseArtifactId(decoded);
      const item = await impl!.getArtifact(db, id);
      if (item === null) throw notFound(`no artifact with id ${JSON.stringify(id)}`);
      return item;
    }
    if (path.startsWith(`${COLLECTIONS_PATH}/`)) return routeCollections(db, req, path, search);
    throw notFound(`no route for ${path.slice(0, 100)}; routes: GET ${LIST_PATH}, GET ${LIST_PATH}/{type:name}, ${COLLECTIONS_PATH}/{id}/artifacts`);
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
      `${req.method} ${req.url?.slice(0, 200)} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms ${counted.n} queries impl=${impl.name}`,
    );
  };
}

function requireGet(req: IncomingMessage): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method ${req.method} not allowed; use GET`);
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
