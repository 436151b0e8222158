/**
 * A free port on 127.0.0.1, and the error of losing the race for it.
 */
import net from 'node:net';

/** A port that was free a moment ago (the server may still lose a race for it: retried). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

export class PortInUseError extends Error {}
