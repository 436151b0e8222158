import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { EnvironmentError } from '../core/errors.js';
import { RequestLog, type QueryRecorder } from '../instrument/query-recorder.js';
import { requestTimeoutMs, seconds } from '../system/timeouts.js';
import type { HandlerFactory } from './served-implementation.js';

export interface Exchange {
  status: number;
  body: string;
  /** Wall clock as the client sees it: from sending the request to the last byte of the answer. */
  wallMs: number;
  log: RequestLog;
}

/**
 * One implementation served on a loopback port, its handler wrapped in the recorder's request
 * scope, and a keep-alive client to call it. The client and server share this process, so each
 * request is attributed to its log through a request id header. Without a recorder the handler
 * runs bare: no request scope, no log (the uninstrumented turns of the overhead figure).
 */
export class LoopbackEndpoint {
  private readonly logs = new Map<string, RequestLog>();
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
    let endpoint: LoopbackEndpoint | undefined;
    const server = createServer((req, res) => {
      if (recorder === null) {
        void handler(req, res);
        return;
      }
      const id = req.headers['x-querygate-request'];
      const log = new RequestLog();
      if (typeof id === 'string') endpoint?.logs.set(id, log);
      void recorder.record(() => handler(req, res), log);
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
        { host: '127.0.0.1', port: this.port, path, agent: this.agent, headers: { 'x-querygate-request': id } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            clearTimeout(timer);
            const wallMs = performance.now() - started;
            const log = this.logs.get(id) ?? new RequestLog();
            this.logs.delete(id);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), wallMs, log });
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
