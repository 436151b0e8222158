import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type LogLevel } from '../../src/logger.js';
import { answerClientErrorsWithJson } from '../../src/http/client-errors.js';
import { createRequestHandler, type RequestHandler } from '../../src/http/request-handler.js';
import { EnvironmentError } from '../core/errors.js';
import { CURSOR_SECRET } from '../runner/resolve-requests.js';
import { writesSinceSeeding } from '../fixture-store/fixture-store.js';
import { openFixtureForCli, type CliDatabaseArgs } from './open-fixture-for-cli.js';
import { watchParent } from './parent-watch.js';

export interface ServeArgs extends CliDatabaseArgs {
  impl: string;
  port: number;
  'log-level': string;
}

/** Serves the endpoint until SIGINT/SIGTERM or its parent's end, then closes the server and the database cleanly. */
export async function serveCommand(args: ServeArgs): Promise<number> {
  const { adapter, fixture } = await openFixtureForCli(args);
  const logger = createLogger('querygate:http', args['log-level'] as LogLevel);
  const handler = createRequestHandler(fixture.db, args.impl, { cursorSecret: CURSOR_SECRET, logger });
  const server = createServeServer(handler);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(args.port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await adapter.close();
    throw new EnvironmentError(`cannot listen on 127.0.0.1:${args.port}: ${(error as { code?: string }).code ?? String(error)}`);
  }
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`serving ${args.impl} on ${adapter.dialect} (fixture ${fixture.info.profile}, seed ${fixture.info.seed})\n`);
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    watchParent(() => resolve('the parent process is gone'));
  });
  try {
    process.stderr.write(`querygate: ${signal}: shutting down\n`);
  } catch {
    // the parent's end may have closed stderr
  }
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // The write endpoints change the cached fixture; the database counted it, and the next seed or
  // run rebuilds it rather than reuse changed data under the seeded checksum.
  const writes = await writesSinceSeeding(fixture.db).catch(() => 0);
  if (writes > 0) process.stderr.write(`querygate: ${writes} write${writes === 1 ? '' : 's'} changed the fixture ${fixture.namespace}; the next seed or run rebuilds it\n`);
  await adapter.close();
  return 0;
}

/**
 * serve's limits: a client that sends its headers or body slowly, idles on a kept-alive socket, or
 * opens connection after connection cannot hold the server.
 */
export const SERVE_LIMITS = {
  /** @default 10 s */
  headersTimeoutMs: 10_000,
  /** @default 30 s */
  requestTimeoutMs: 30_000,
  /** @default 5 s */
  keepAliveTimeoutMs: 5_000,
  /** @default 64 */
  maxConnections: 64,
} as const;

/**
 * serve's HTTP server: the endpoint behind {@link loopbackGuard} and {@link SERVE_LIMITS}. Only
 * `serve` builds it; a run's timed requests go through the runner's own server
 * (harness/runner/loopback-endpoint.ts), which this guard does not touch.
 */
export function createServeServer(handler: RequestHandler): Server {
  let guard: ((req: IncomingMessage) => Refusal | null) | undefined;
  // The timeouts are enforced on this interval (default 30 s, which would triple the headers timeout).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    guard ??= loopbackGuard((server.address() as AddressInfo).port);
    const refusal = guard(req);
    if (refusal === null) void handler(req, res);
    else refuse(res, refusal);
  });
  server.headersTimeout = SERVE_LIMITS.headersTimeoutMs;
  server.requestTimeout = SERVE_LIMITS.requestTimeoutMs;
  server.keepAliveTimeout = SERVE_LIMITS.keepAliveTimeoutMs;
  server.maxConnections = SERVE_LIMITS.maxConnections;
  answerClientErrorsWithJson(server);
  return server;
}

/** Why a request is refused: its status and the `detail` of the JSON answer. */
export type Refusal = readonly [status: 403 | 415 | 421, detail: string];

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What serve refuses before the endpoint sees a request, for the port it listens on (each check a
 * set lookup of a header):
 * - a Host that is not a loopback name with this port (421): a page of another site whose name
 *   resolves to 127.0.0.1 (DNS rebinding) sends its own name;
 * - a write (POST, PUT, PATCH, DELETE) with an Origin other than this server's (403), or a body that
 *   is not application/json (415; a DELETE may send no body and no Content-Type): what a page of
 *   another site can make a browser send (CSRF).
 * Returns null for a request it lets through.
 */
export function loopbackGuard(port: number): (req: IncomingMessage) => Refusal | null {
  const hosts = new Set<string>(LOOPBACK_NAMES.map((name) => `${name}:${port}`));
  const origins = new Set([...hosts].map((host) => `http://${host}`));
  const accepted = [...hosts].join(', ');
  return (req) => {
    const host = req.headers.host;
    if (host === undefined || !hosts.has(host.toLowerCase())) {
      return [421, `Host must be one of ${accepted}: querygate serve answers loopback clients only; got ${shown(host)}`];
    }
    if (!WRITE_METHODS.has(req.method ?? '')) return null;
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      return [403, `a ${req.method} from Origin ${shown(origin)} is refused: querygate serve takes writes from its own origin or from clients that send none`];
    }
    const type = req.headers['content-type'];
    const mediaType = type?.split(';', 1)[0]?.trim().toLowerCase();
    if (mediaType === undefined ? req.method !== 'DELETE' : mediaType !== 'application/json') {
      return [415, `content-type must be application/json, got ${shown(type)}`];
    }
    return null;
  };
}

function refuse(res: ServerResponse, [status, detail]: Refusal): void {
  const body = JSON.stringify({ detail });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

const shown = (header: string | undefined): string => (header === undefined ? 'none' : JSON.stringify(header.slice(0, 100)));
