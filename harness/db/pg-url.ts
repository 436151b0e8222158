/**
 * Postgres connection URLs: validation and redaction.
 *
 * A password must never reach a log line, an error message or a report. Everything that prints
 * a URL goes through `redactUrl`; `parsePgUrl` throws errors that name the URL only in its
 * redacted form (and never chain the URL parser's own error, whose `input` holds the password).
 */

export interface PgUrlParts {
  protocol: 'postgres:' | 'postgresql:';
  /** Percent-decoded user name, or null when the URL names none. */
  user: string | null;
  /** Percent-decoded password, or null when the URL has none. */
  password: string | null;
  /** Host name or IP address (IPv6 without brackets), percent-decoded (a socket directory may be encoded). */
  host: string;
  /** The port given in the URL, or 5432. */
  port: number;
  /** Percent-decoded database name. Required: the harness must know which database it touches. */
  database: string;
  /** Query parameters (sslmode, options, ...), with `password` removed (it is in `password`). */
  params: Record<string, string>;
  /** The URL with its password replaced by `***`, safe to print. */
  redacted: string;
}

const REDACTED = '***';

/**
 * The URL with any password replaced by `***`: `postgres://user:***@host:port/db`.
 * Works on strings that do not parse as URLs too (best effort on the `user:password@` part), and
 * also hides a `password=` query parameter. Strings without credentials come back unchanged.
 */
/** Credentials wherever they occur in free text (messages, stacks): URLs' passwords and `password=` keywords. */
export function redactSecretsInText(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:)[^\s/?#]*@/gi, `$1${REDACTED}@`)
    .replace(/([?&\s]password=)[^&#\s]*/gi, `$1${REDACTED}`);
}

export function redactUrl(url: string): string {
  let out = url;
  const schemeEnd = out.indexOf('://');
  if (schemeEnd >= 0) {
    const restStart = schemeEnd + 3;
    // The authority ends at the path, query or fragment; a password may itself contain an
    // (unencoded) '@', so take the last '@' before the first '?' or '#'.
    const rest = out.slice(restStart);
    const stop = rest.search(/[?#]/);
    const head = stop >= 0 ? rest.slice(0, stop) : rest;
    const at = head.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = head.slice(0, at);
      const colon = userinfo.indexOf(':');
      if (colon >= 0) {
        out = `${out.slice(0, restStart)}${userinfo.slice(0, colon)}:${REDACTED}${out.slice(restStart + at)}`;
      }
    }
  }
  // libpq also accepts the password as a query parameter, or as a keyword of a
  // "host=... password=..." connection string.
  return out
    .replace(/([?&]password=)[^&#]*/gi, `$1${REDACTED}`)
    .replace(/(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi, `$1$2${REDACTED}`);
}

function fail(url: string, reason: string): never {
  // Only echo what looks like a URL (its password redacted): anything else might be a secret
  // pasted into the wrong place.
  const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? ` "${redactUrl(url)}"` : ' (not shown: it is not a URL)';
  throw new Error(`Invalid Postgres URL${shown}: ${reason}`);
}

function decode(url: string, value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return fail(url, `malformed percent-encoding in the ${what}`);
  }
}

/**
 * Validates and splits a Postgres URL (`postgres://user:password@host:port/database?params`).
 * Throws an Error with one line that names the URL without its password.
 */
export function parsePgUrl(url: string): PgUrlParts {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new Error('Invalid Postgres URL: empty (expected postgres://user:password@host:port/database)');
  }
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    fail(trimmed, 'expected postgres://user:password@host:port/database');
  }
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    fail(trimmed, `protocol must be postgres: or postgresql:, not ${scheme}:`);
  }
  if (!trimmed.slice(scheme.length + 1).startsWith('//')) {
    fail(trimmed, 'expected postgres://user:password@host:port/database');
  }

  // Check the port ourselves before the URL parser sees it, for a precise message
  // (and because a multi-host list "h1:5432,h2:5432" would fail as a bad port).
  const rest = trimmed.slice(scheme.length + 3);
  const authEnd = rest.search(/[/?#]/);
  const authority = authEnd >= 0 ? rest.slice(0, authEnd) : rest;
  const hostport = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostport === '' || hostport.startsWith(':')) {
    fail(trimmed, 'missing host');
  }
  if (hostport.includes(',')) {
    fail(trimmed, 'URLs with several hosts are not supported');
  }
  const portMatch = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport);
  const rawPort = portMatch?.[1];
  if (rawPort !== undefined && rawPort !== '') {
    if (!/^\d+$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65535) {
      fail(trimmed, `port must be a number from 1 to 65535, got "${rawPort}"`);
    }
  }

  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    // Deliberately not chained: the parser's TypeError carries the raw input (with the password).
    return fail(trimmed, 'not a valid URL');
  }

  const host = decode(trimmed, parsed.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
  if (host === '') {
    fail(trimmed, 'missing host');
  }
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, '');
  if (path === '') {
    fail(trimmed, 'missing database name (postgres://user:password@host:port/DATABASE)');
  }
  if (path.includes('/')) {
    fail(trimmed, 'the path must be just the database name');
  }
  const database = decode(trimmed, path, 'database name');
  const user = parsed.username === '' ? null : decode(trimmed, parsed.username, 'user name');
  let password = parsed.password === '' ? null : decode(trimmed, parsed.password, 'password');

  const params: Record<string, string> = {};
  for (const [key, value] of parsed.searchParams) {
    if (key === 'password') {
      password ??= value;
      continue;
    }
    params[key] = value;
  }

  return {
    protocol: scheme === 'postgres' ? 'postgres:' : 'postgresql:',
    user,
    password,
    host,
    port,
    database,
    params,
    redacted: redactUrl(trimmed),
  };
}
