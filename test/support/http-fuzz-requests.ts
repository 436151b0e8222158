import type { Random } from '../../harness/stats/random.js';
import { ARTIFACT_TYPES } from '../../src/schema.js';
import { LIST_PATH } from './endpoint-list-request.js';
import type { HttpRequest } from './http-endpoint.js';

/** Real values of the fixture, so that some fuzzed requests come close to valid ones. */
export interface FuzzVocabulary {
  ids: readonly string[];
  collectionNames: readonly string[];
  collectionIds: readonly string[];
  tagNames: readonly string[];
  /** Cursors as the server issues them. */
  cursors: readonly string[];
}

/** Where the write routes live (POSTed to here only with bodies that are not JSON). */
const COLLECTIONS_PATH = '/api/v1/collections';
const LIST_KEYS = ['limit', 'after', 'artifact_type', 'collection', 'tags'] as const;
const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'limit[]', 'limit ', 'LIMIT', 'Limit', 'page', 'offset', 'id', ''];
const SQL = [
  "'", '"', "';--", '";--', "' OR '1'='1", "1 OR 1=1", "1; DROP TABLE artifacts;--", "') UNION SELECT * FROM collections--",
  "%' AND 1=1 AND '%'='", '\\', '\\x00', '/*', '*/', '$1', '?', ':name', 'pg_sleep(10)', "'; SELECT pg_sleep(10);--",
  'randomblob(1000000000)', '1e308', '-1', '(type, name) > (?, ?)', '%', '_', '%%', '\0',
];
const TRAVERSAL = ['..', '../', '..%2f', '%2e%2e%2f', '....//', '..\\', '%252e%252e%252f', '/etc/passwd', 'C:\\windows\\win.ini', '.%00.', '%c0%ae%c0%ae/'];
const MALFORMED_PERCENT = ['%', '%z', '%zz', '%E0%A4', '%%', '%u0041', '%C0%AF', '%FF', '%ED%A0%80', '%F4%90%80%80', '%0', '%%41'];
const NUMBERISH = ['-0', '00', '000', '1.5', '1e2', '0x1f', 'Infinity', 'NaN', '%205', '5%20', '+5', '٣', '１０', '100', '101', '0', '1', '99'];
const UNICODE = ['é', 'ü', '✓', '🚀', '\u202e', '\u0301', '\ufeff', '中文', 'ǅ', '\u2028', 'ß', 'İ', '\ud800', '\udfff'];
/** Unreserved characters stay raw; everything else is sent percent-encoded. */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

const pick = <T>(random: Random, items: readonly T[]): T => items[random.int(items.length)] as T;

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as on any real client). */
export function percentEncode(text: string | Uint8Array): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Raw printable ASCII (0x21-0x7e): what an HTTP client may put in a request line unencoded. */
function rawPrintable(random: Random, length: number): string {
  return Array.from({ length }, () => String.fromCharCode(0x21 + random.int(0x7e - 0x21 + 1))).join('');
}

function randomBytes(random: Random, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => random.int(256));
}

function mutate(random: Random, text: string): string {
  if (text.length === 0) return rawPrintable(random, 1);
  const at = random.int(text.length);
  switch (random.int(4)) {
    case 0:
      return `${text.slice(0, at)}${rawPrintable(random, 1)}${text.slice(at + 1)}`;
    case 1:
      return `${text.slice(0, at)}${text.slice(at + 1)}`;
    case 2:
      return `${text.slice(0, at)}${rawPrintable(random, 1)}${text.slice(at)}`;
    default:
      return text.slice(0, at);
  }
}

function validValue(random: Random, key: string, vocabulary: FuzzVocabulary): string {
  switch (key) {
    case 'limit':
      // Mostly small pages: big ones cost baseline ~200 queries each, and the equivalence test covers them.
      return String(1 + random.int(random.next() < 0.8 ? 10 : 100));
    case 'after':
      return pick(random, vocabulary.cursors);
    case 'artifact_type':
      return pick(random, ARTIFACT_TYPES);
    case 'collection':
      return pick(random, vocabulary.collectionNames);
    default:
      return Array.from({ length: 1 + random.int(3) }, () => pick(random, vocabulary.tagNames)).join(',');
  }
}

/** An already encoded value for `key`: valid, nearly valid, or hostile. */
function fuzzValue(random: Random, key: string, vocabulary: FuzzVocabulary): string {
  const kind = random.int(14);
  switch (kind) {
    case 0:
    case 1:
      return percentEncode(validValue(random, key, vocabulary));
    case 2:
      return percentEncode(mutate(random, validValue(random, key, vocabulary)));
    case 3:
      return percentEncode(randomBytes(random, random.int(40)));
    case 4:
      return rawPrintable(random, 1 + random.int(30));
    case 5:
      return percentEncode(pick(random, SQL));
    case 6:
      return random.next() < 0.5 ? pick(random, SQL).replace(/ /g, '+') : percentEncode(`${validValue(random, key, vocabulary)}${pick(random, SQL)}`);
    case 7:
    {
      const unit = pick(random, ['a', '%41', '%C3%BC', "'", '9']);
      return unit.repeat(Math.ceil((200 + random.int(9000)) / unit.length));
    }
    case 8:
      return '';
    case 9:
      return pick(random, MALFORMED_PERCENT);
    case 10:
      return pick(random, NUMBERISH);
    case 11:
      return percentEncode(Array.from({ length: 1 + random.int(6) }, () => pick(random, UNICODE)).join(''));
    case 12:
      return percentEncode(Buffer.from(randomBytes(random, 8 + random.int(60))).toString('base64url'));
    default:
      return percentEncode(mutate(random, pick(random, vocabulary.cursors)));
  }
}

function fuzzKey(random: Random, previous: readonly string[]): string {
  const r = random.int(10);
  if (r < 5) return pick(random, LIST_KEYS);
  if (r === 5 && previous.length > 0) return pick(random, previous);
  if (r === 6) return percentEncode(pick(random, ODD_KEYS));
  if (r === 7) return rawPrintable(random, 1 + random.int(12)).replace(/[&=#]/g, '');
  if (r === 8) return percentEncode(randomBytes(random, 1 + random.int(12)));
  return pick(random, [...MALFORMED_PERCENT, ...SQL.map(percentEncode), 'k'.repeat(2000)]);
}

function fuzzQuery(random: Random, vocabulary: FuzzVocabulary): string {
  const pairs: string[] = [];
  const keys: string[] = [];
  for (let n = random.int(6); n > 0; n--) {
    const key = fuzzKey(random, keys);
    keys.push(key);
    const shape = random.int(12);
    if (shape === 0) pairs.push(key);
    else if (shape === 1) pairs.push(`${key}=${fuzzValue(random, key, vocabulary)}=${fuzzValue(random, key, vocabulary)}`);
    else pairs.push(`${key}=${fuzzValue(random, key, vocabulary)}`);
  }
  return pairs.join(random.next() < 0.1 ? '&&' : '&');
}

/** A query that is valid apart from, at most, one thing. */
function nearlyValidQuery(random: Random, vocabulary: FuzzVocabulary): string {
  const keys = LIST_KEYS.filter(() => random.next() < 0.4);
  const pairs = keys.map((key) => `${key}=${percentEncode(validValue(random, key, vocabulary))}`);
  if (random.next() < 0.5) pairs.splice(random.int(pairs.length + 1), 0, `${fuzzKey(random, keys)}=${fuzzValue(random, pick(random, LIST_KEYS), vocabulary)}`);
  return pairs.join('&');
}

function fuzzId(random: Random, vocabulary: FuzzVocabulary): string {
  const id = pick(random, vocabulary.ids);
  switch (random.int(10)) {
    case 0:
      return random.next() < 0.5 ? percentEncode(id) : id;
    case 1:
      return percentEncode(mutate(random, id));
    case 2:
      return percentEncode(randomBytes(random, random.int(50)));
    case 3:
      return `${pick(random, ARTIFACT_TYPES)}:${random.next() < 0.5 ? percentEncode(pick(random, SQL)) : pick(random, SQL).replace(/[\s/?#\0]/g, '')}`;
    case 4:
      return pick(random, TRAVERSAL);
    case 5:
      return `${pick(random, ARTIFACT_TYPES)}:${percentEncode(pick(random, UNICODE))}`;
    case 6:
      return `${pick(random, ARTIFACT_TYPES)}:${'n'.repeat(100 + random.int(5000))}`;
    case 7:
      return pick(random, ['', ':', '%3A', 'skill', 'skill:', ':skill', 'skill%3A', 'skill::x']);
    case 8:
      return `${id.slice(0, id.indexOf(':') + 1)}${pick(random, MALFORMED_PERCENT)}`;
    default:
      return rawPrintable(random, 1 + random.int(40)).replace(/[?#]/g, '');
  }
}

function fuzzPath(random: Random): string {
  return pick(random, [
    '/', '*', '/api', '/api/v1', '/api/v1/', '/api/v1/artifacts/', '/api/v1//artifacts', '/API/V1/ARTIFACTS', '/api/v1/artifacts/../artifacts',
    '/api/v1/artifacts%2f', '/api/v1/%61rtifacts', '/%2e%2e/%2e%2e/etc/passwd', '/api/v1/artifacts/./skill:x', '//api/v1/artifacts',
    '/api/v1/artifacts;limit=5', '/api/v1/artifacts/skill:x/', `/api/v1/artifacts/${pick(random, TRAVERSAL)}/${pick(random, TRAVERSAL)}`,
  ]);
}

/** Bodies that no write route could accept: never valid JSON. */
function garbageBody(random: Random): string {
  return pick(random, [
    '{', '{"name": ', '[1, 2', 'not json', "{'name': 'x'}", '{"id": "skill:x",}', Buffer.from(randomBytes(random, 64)).toString('latin1'),
    `{"description": "${'x'.repeat(5000)}"`,
  ]);
}

/**
 * One random, mostly hostile request. Methods are GET and HEAD, or POST/PUT/PATCH with a body
 * that is not JSON; never DELETE, so that routes added later cannot legitimately change the data.
 */
export function fuzzRequest(random: Random, vocabulary: FuzzVocabulary): HttpRequest {
  const request = unguardedFuzzRequest(random, vocabulary);
  return { ...request, path: sendable(request.path) };
}

/** Node's HTTP parser answers a bare 400 to raw bytes outside 0x21-0x7e and a bare 431 past 16 KB of headers, before any handler runs (that is tested on its own); keep within what reaches the handler. */
const MAX_PATH = 14_000;
function sendable(path: string): string {
  return path.replace(/[^\x21-\x7e]/gu, (char) => percentEncode(char)).slice(0, MAX_PATH);
}

function unguardedFuzzRequest(random: Random, vocabulary: FuzzVocabulary): HttpRequest {
  const r = random.int(20);
  if (r < 9) {
    const query = fuzzQuery(random, vocabulary);
    return { path: query === '' && random.next() < 0.5 ? LIST_PATH : `${LIST_PATH}?${query}` };
  }
  if (r < 12) return { path: `${LIST_PATH}?${nearlyValidQuery(random, vocabulary)}` };
  if (r < 16) {
    const query = random.next() < 0.15 ? `?${fuzzQuery(random, vocabulary)}` : '';
    return { path: `${LIST_PATH}/${fuzzId(random, vocabulary)}${query}` };
  }
  if (r < 18) return { path: fuzzPath(random) };
  if (r < 19) return { method: 'HEAD', path: `${LIST_PATH}?${fuzzQuery(random, vocabulary)}` };
  const collection = random.next() < 0.7 ? pick(random, vocabulary.collectionIds) : fuzzId(random, vocabulary);
  const target = pick(random, [
    LIST_PATH,
    `${LIST_PATH}/${percentEncode(pick(random, vocabulary.ids))}`,
    `${COLLECTIONS_PATH}/${collection}/artifacts`,
    `${COLLECTIONS_PATH}/${collection}/artifacts/${fuzzId(random, vocabulary)}`,
  ]);
  return { method: pick(random, ['POST', 'PUT', 'PATCH']), path: target, body: garbageBody(random) };
}
