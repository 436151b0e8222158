/**
 * Postgres connection URLs: validation and redaction, of URLs and of the messages and command
 * lines that may hold one (what another querygate run on the machine sees of ours).
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
 * Credentials wherever they occur in free text (messages, stacks): URLs' passwords and `password=`
 * keywords. A password may hold an unencoded '/', '?', '#' or '@' (the URL is then invalid, but
 * the password no less secret): everything up to the last '@' of the word goes.
 */
export function redactSecretsInText(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:)\S*@/gi, `$1${REDACTED}@`)
    .replace(/([?&\s]password=)[^&#\s]*/gi, `$1${REDACTED}`);
}

/**
 * Names of options and variables whose value is a secret or a connection string (`--pg-url`,
 * `DATABASE_URL`, `PGPASSWORD`, `--api-token`...): their whole value is hidden, not only a password in it.
 */
const SECRET_NAME = /(?:url|uri|dsn|password|passwd|secret|token|credentials?)$/i;

/**
 * A command line fit to show to others (the machine-wide measuring registry, reports): the values
 * of secret-like options (`--pg-url X`, `--pg-url=X`) and assignments (`DATABASE_URL=X`) become
 * `***`, and any other word loses the password of a URL in it.
 */
export function redactCommandLine(args: readonly string[]): string {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of args) {
    if (hideNext) {
      out.push(REDACTED);
      hideNext = false;
      continue;
    }
    const option = /^(--?[a-z][\w-]*)(=[^]*)?$/i.exec(arg);
    const assignment = /^([a-z_][a-z0-9_]*)=/i.exec(arg);
    const name = option?.[1] ?? assignment?.[1];
    if (name !== undefined && SECRET_NAME.test(name)) {
      hideNext = option !== null && option[2] === undefined;
      out.push(hideNext ? arg : `${name}=${REDACTED}`);
      continue;
    }
    out.push(redactSecretsInText(arg));
  }
  return out.join(' ');
}

/** The same for a command line that is already one string (as another, perhaps older, process recorded it). */
export function redactCommandText(text: string): string {
  return redactCommandLine(text.split(/\s+/).filter((word) => word !== ''));
}

/**
 * The URL with any password replaced by `***`: `postgres://user:***@host:port/db`.
 * Works on strings that do not parse as URLs too (best effort on the `user:password@` part), and
 * also hides a `password=` query parameter. Strings without credentials come back unchanged.
 */
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
  // pasted into the wrong place. An invalid URL may hold a password with an unencoded '/', '?'
  // or '#', which redactUrl (made for valid URLs) would take for the path: hide up to the last '@'.
  const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? ` "${redactUrl(redactSecretsInText(url))}"` : ' (not shown: it is not a URL)';
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
 * Checks the host and port ourselves before the URL parser sees them, for a precise message (and
 * because a multi-host list "h1:5432,h2:5432" would fail as a bad port). `rest`: the URL after "//".
 */
function checkHostAndPort(url: string, rest: string): void {
  const authEnd = rest.search(/[/?#]/);
  const authority = authEnd >= 0 ? rest.slice(0, authEnd) : rest;
  const hostport = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostport === '' || hostport.startsWith(':')) {
    fail(url, 'missing host');
  }
  if (hostport.includes(',')) {
    fail(url, 'URLs with several hosts are not supported');
  }
  const rawPort = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport)?.[1];
  if (rawPort === undefined || rawPort === '' || (/^\d+$/.test(rawPort) && Number(rawPort) >= 1 && Number(rawPort) <= 65535)) return;
  // An '@' further on: what looks like "host:port" may be "user:<start of the password>".
  if (rest.slice(authority.length).includes('@')) {
    fail(url, 'the port is not a number from 1 to 65535, or the password holds a "/", "?" or "#" that is not percent-encoded (%2F, %3F, %23)');
  }
  fail(url, `port must be a number from 1 to 65535, got "${rawPort}"`);
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

  checkHostAndPort(trimmed, trimmed.slice(scheme.length + 3));

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
  if (path.includes('@')) {
    // "postgres://u:12/rest-of-password@host": the URL parser reads host u, port 12, database "rest-of-password@host".
    fail(trimmed, 'the database name holds an "@": percent-encode it (%40), and any "/" in the password (%2F)');
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
