import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy that delays every chunk by half the round trip in each direction, so a query
 * through it pays a real network round trip (measured, not estimated). Order within a
 * connection is kept: each chunk leaves no earlier than the one before it.
 */
export class DelayProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly rttMs: number,
  ) {}

  static async start(target: { host: string; port: number }, rttMs: number): Promise<DelayProxy> {
    const oneWay = rttMs / 2;
    let proxy: DelayProxy | undefined;
    const server = createServer((client) => {
      const upstream = createConnection(target);
      // Without this, Nagle's algorithm holds a small write back until the previous one is
      // acknowledged: on loopback that adds tens of ms to some statements, on top of the delay.
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      proxy?.sockets.add(client);
      proxy?.sockets.add(upstream);
      pipeDelayed(client, upstream, oneWay);
      pipeDelayed(upstream, client, oneWay);
      const close = () => {
        client.destroy();
        upstream.destroy();
        proxy?.sockets.delete(client);
        proxy?.sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new DelayProxy(server, (server.address() as AddressInfo).port, rttMs);
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  // One queue per direction: chunks leave strictly in arrival order. Timers alone fire on whole
  // milliseconds (a 0.5 ms delay would become 1 ms or more), so the last stretch before a
  // chunk is due is waited with setImmediate, which costs CPU only while a chunk is in flight.
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const now = performance.now();
    while (queue.length > 0 && (queue[0] as { due: number }).due <= now) {
      const { chunk } = queue.shift() as { chunk: Buffer | null };
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    schedule();
  };
  const schedule = () => {
    if (scheduled || queue.length === 0) return;
    scheduled = true;
    const wait = (queue[0] as { due: number }).due - performance.now();
    if (wait > 2) setTimeout(flush, Math.floor(wait - 1.5));
    else setImmediate(flush);
  };
  const enqueue = (chunk: Buffer | null) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    schedule();
  };
  from.on('data', (chunk: Buffer) => enqueue(chunk));
  from.on('end', () => enqueue(null));
}
