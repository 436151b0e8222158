import { createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from './http/http-error.js';

/**
 * Opaque keyset cursors: base64url(JSON [type, name]) + "." + a truncated HMAC, so that a cursor
 * we did not issue (edited, truncated, made up) is rejected instead of silently starting anywhere.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(position: { type: string; name: string }): string {
    const payload = Buffer.from(JSON.stringify([position.type, position.name]), 'utf8').toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(cursor: string): { type: string; name: string } {
    const invalid = badRequest("'after' is not a cursor issued by this API: pass page_info.end_cursor of a previous page");
    const dot = cursor.indexOf('.');
    if (cursor.length > 600 || dot <= 0) throw invalid;
    const payload = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.sign(payload), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid;
    }
    if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
      throw invalid;
    }
    return { type: parsed[0], name: parsed[1] };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}
