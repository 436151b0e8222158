import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { EnvironmentError } from '../core/errors.js';
import { RequestLog, type Attribution, type QueryRecorder } from '../instrument/query-recorder.js';
import { requestTimeoutMs, seconds } from '../system/timeouts.js';
import type { HandlerFactory } from './served-implementation.js';

export interface Exchange {
  status: number;
  body: string;
  /** Wall clock as the client sees it: from sending the request to the last byte of the answer. */
  wallMs: number;
  log: RequestLog;
}

/** The header that names a request to the server; our client sends it in lower case. */
const REQUEST_ID = 'x-querygate-request';

/** The request's id, read from the raw headers: `req.headers` would build an object of them all. */
function requestIdOf(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i] === REQUEST_ID) return raw[i + 1];
  return undefined;
}

/**
 * One implementation served on a loopback port, its handler run as one of the recorder's requests,
 * and a keep-alive client to call it. The client and server share this process, so each
 * request is attributed to its log through a request id header; send() resolves only once the
 * handler has settled, so a statement the caller issues next is never that request's. Without a
 * recorder the handler runs bare: no request scope, no log (the uninstrumented turns of the overhead figure).
 */
export class LoopbackEndpoint {
  /** Each request's log, and its handler's end. */
  private readonly served = new Map<string, { log: RequestLog; settled: Promise<unknown> }>();
  private nextId = 0;
  private readonly agent: Agent;

  private constructor(
    readonly impl: string,
    private readonly server: Server,
    private readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  static async start(db: Knex, impl: string, factory: HandlerFactory, recorder: QueryRecorder | null, maxSockets = 1): Promise<LoopbackEndpoint> {
    const handler = factory(db);
    // One request at a time (the sampler's default concurrency): the harness runs nothing else on
    // the database meanwhile, so the request in flight needs no async context. Several: by context.
    const attribution: Attribution = maxSockets === 1 ? 'in-flight' : 'context';
    let endpoint: LoopbackEndpoint | undefined;
    const server = createServer((req, res) => {
      if (recorder === null) {
        void handler(req, res);
        return;
      }
      const id = requestIdOf(req);
      const log = new RequestLog();
      const settled = recorder.record(() => handler(req, res), log, attribution);
      if (typeof id === 'string') endpoint?.served.set(id, { log, settled });
    });
    // The client reuses its sockets across long pauses (another implementation's turn, a slow
    // baseline request): an idle timeout on the server would close one under it.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    endpoint = new LoopbackEndpoint(impl, server, (server.address() as AddressInfo).port, maxSockets);
    return endpoint;
  }

  /** One request; a request that has not answered within requestTimeoutMs() fails the run (exit 3). */
  send(path: string): Promise<Exchange> {
    const id = String(this.nextId++);
    const timeoutMs = requestTimeoutMs();
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        req.destroy(
          new EnvironmentError(
            `the ${this.impl} endpoint did not answer GET ${path} within ${seconds(timeoutMs)} (loopback request timed out)`,
            'the endpoint or its database hung; QUERYGATE_REQUEST_TIMEOUT_MS sets the limit',
          ),
        );
      }, timeoutMs);
      const req = request(
        { host: '127.0.0.1', port: this.port, path, agent: this.agent, headers: { [REQUEST_ID]: id } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            clearTimeout(timer);
            const wallMs = performance.now() - started;
            const served = this.served.get(id);
            this.served.delete(id);
            const exchange = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), wallMs, log: served?.log ?? new RequestLog() };
            if (served === undefined) resolve(exchange);
            else served.settled.then(() => resolve(exchange), reject);
          });
        },
      );
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end();
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
