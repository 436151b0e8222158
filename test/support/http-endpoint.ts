import { Agent, createServer, request, type Server } from 'node:http';
import { answerClientErrorsWithJson } from '../../src/http/client-errors.js';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { RequestLog, type QueryRecorder } from '../../harness/instrument/query-recorder.js';
import { createRequestHandler } from '../../src/http/request-handler.js';
import { IMPLEMENTATION_NAMES } from '../../src/http/routes.js';

/** The secret the test servers sign cursors with, so tests can make cursors of their own. */
export const TEST_CURSOR_SECRET = 'querygate-test-cursor';

export interface HttpRequest {
  /** @default 'GET' */
  method?: string;
  /** Sent as it is: the test decides the encoding, hostile or not. */
  path: string;
  body?: string;
}

export interface HttpExchange {
  status: number;
  contentType: string | undefined;
  body: string;
  /** The queries of this request when the endpoint was started with a recorder; empty otherwise. */
  log: RequestLog;
}

/** One implementation served on 127.0.0.1 by a real node:http server, and a client to call it. */
export interface HttpEndpoint {
  readonly impl: string;
  readonly port: number;
  send(request: HttpRequest | string): Promise<HttpExchange>;
  /** Rejections of the request handler, which promises never to throw: must stay empty. */
  readonly crashes: readonly unknown[];
  close(): Promise<void>;
}

export interface HttpEndpointOptions {
  /** Each request runs in the recorder's scope and its log is returned with the answer. */
  recorder?: QueryRecorder;
  /** @default 8 */
  maxSockets?: number;
}

const REQUEST_ID_HEADER = 'x-test-request';

/** Serves `createRequestHandler(db, impl)` on port 0; close() it in afterAll. */
export async function startHttpEndpoint(db: Knex, impl: string, options: HttpEndpointOptions = {}): Promise<HttpEndpoint> {
  const handler = createRequestHandler(db, impl, { cursorSecret: TEST_CURSOR_SECRET });
  const logs = new Map<string, RequestLog>();
  const crashes: unknown[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const server: Server = createServer((req, res) => {
    const log = new RequestLog();
    const id = req.headers[REQUEST_ID_HEADER];
    if (typeof id === 'string') logs.set(id, log);
    const handled = options.recorder === undefined ? handler(req, res) : options.recorder.record(() => handler(req, res), log);
    const settled = handled.catch((error: unknown) => {
      crashes.push(error);
      res.destroy();
    });
    // A client that hung up does not stop the handler: close() waits for it before the database goes.
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));
  });
  answerClientErrorsWithJson(server);
  // The keep-alive agent reuses sockets across tests; a server that closes idle ones after its
  // default 5 s can close one just as a request goes out on it (socket hang up).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 8 });
  let nextId = 0;

  const send = (input: HttpRequest | string): Promise<HttpExchange> => {
    const { method = 'GET', path, body } = typeof input === 'string' ? { path: input } : input;
    const id = String(nextId++);
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { [REQUEST_ID_HEADER]: id } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const log = logs.get(id) ?? new RequestLog();
          logs.delete(id);
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
            log,
          });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };

  return {
    impl,
    port,
    send,
    crashes,
    async close() {
      await Promise.all(inFlight);
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One endpoint per implementation in the registry, `baseline` first: the reference the others
 * must answer identically to. Implementations added to the registry are covered automatically.
 */
export async function startAllHttpEndpoints(db: Knex, options: HttpEndpointOptions = {}): Promise<HttpEndpoint[]> {
  const names = ['baseline', ...IMPLEMENTATION_NAMES.filter((name) => name !== 'baseline')];
  const endpoints: HttpEndpoint[] = [];
  for (const name of names) endpoints.push(await startHttpEndpoint(db, name, options));
  return endpoints;
}

export async function closeAll(endpoints: readonly HttpEndpoint[] | undefined): Promise<void> {
  await Promise.all((endpoints ?? []).map((endpoint) => endpoint.close()));
}

/** Runs fn over items with at most `concurrency` in flight; results in the order of items. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** The request line as a reader of a failure message needs it. */
export function describeRequest(input: HttpRequest | string): string {
  if (typeof input === 'string') return `GET ${input}`;
  const body = input.body === undefined ? '' : ` body=${JSON.stringify(input.body.slice(0, 200))}`;
  const path = input.path.length > 300 ? `${input.path.slice(0, 300)}... (${input.path.length} chars)` : input.path;
  return `${input.method ?? 'GET'} ${path}${body}`;
}
