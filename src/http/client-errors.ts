import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Node's HTTP parser answers some malformed requests itself (bytes outside printable ASCII in
 * the URL, over 16 KB of headers) before any handler runs, with an empty body. Give those
 * answers the API's JSON shape too, so that every client error reads the same. A request whose
 * headers or body outlast the server's headersTimeout or requestTimeout gets a 408.
 */
export function answerClientErrorsWithJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const [status, text, detail] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'request line and headers must be under 16 KB']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', "the request's headers or body did not arrive in time"]
          : [400, 'Bad Request', 'malformed HTTP request: percent-encode bytes outside printable ASCII'];
    const body = JSON.stringify({ detail });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
