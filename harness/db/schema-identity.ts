import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import knex, { type Knex } from 'knex';

/** What querygate needs of a src/schema.ts. */
export interface SchemaModule {
  createSchema: (db: Knex) => Promise<void>;
  finishSchema: (db: Knex) => Promise<void>;
}

/** The schema a src/ tree builds, as each dialect sees it. */
export interface SchemaDescription {
  /** Its schema.ts, loaded: what a fixture of this schema is built with. */
  module: SchemaModule;
  /** The objects SQLite stores after createSchema and finishSchema, one line each. */
  sqlite: string[];
  /** The statements they send to Postgres. */
  postgres: string[];
  /** A short hash of both: fixtures of this schema are kept under it. */
  identity: string;
}

/**
 * The schema of the src/ tree at `src`: its createSchema and finishSchema run on an in-memory
 * SQLite database (the objects SQLite stores are read back) and on a Postgres client that
 * records its statements instead of sending them.
 */
export async function describeSchema(src: string): Promise<SchemaDescription> {
  const module = await loadSchema(src);
  const sqlite = await sqliteSchema(module);
  const postgres = await postgresStatements(module);
  const identity = createHash('sha256').update(JSON.stringify({ sqlite, postgres })).digest('hex').slice(0, 12);
  return { module, sqlite, postgres, identity };
}

/**
 * How the database schemas of two src/ trees differ, or undefined when they are the same,
 * compared as describeSchema sees them: a comment or a refactor of the schema code lets
 * `run --against` measure both sides on one fixture, and a change in the dialect files
 * (triggers) counts as much as one in schema.ts.
 */
export async function schemaDifference(refSrc: string, ownSrc: string): Promise<string | undefined> {
  return differenceBetween(await describeSchema(refSrc), await describeSchema(ownSrc));
}

/**
 * How two described schemas differ (SQLite's objects first, then Postgres's statements): what
 * only one side has, or, where both have the same lines, the first place their order differs.
 * Undefined when they are the same.
 */
export function differenceBetween(ref: SchemaDescription, own: SchemaDescription): string | undefined {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const [a, b] = [ref[dialect], own[dialect]];
    const name = dialect === 'sqlite' ? 'SQLite' : 'Postgres';
    const onlyRef = a.filter((line) => !b.includes(line));
    const onlyOwn = b.filter((line) => !a.includes(line));
    if (onlyRef.length > 0 || onlyOwn.length > 0) {
      const side = (who: string, lines: string[], other: string[]) =>
        lines.length === 0 ? [] : [`only ${who} has ${excerpt(lines[0], closest(lines[0] ?? '', other))}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`];
      return `on ${name}, ${[...side('REF', onlyRef, onlyOwn), ...side('the working tree', onlyOwn, onlyRef)].join('; ')}`;
    }
    if (a.length !== b.length) return `on ${name}, REF repeats statements: ${a.length} where the working tree has ${b.length}`;
    const at = a.findIndex((line, k) => line !== b[k]);
    if (at >= 0) return `on ${name}, the same statements in another order: REF has ${excerpt(a[at], b[at])} where the working tree has ${excerpt(b[at], a[at])}`;
  }
  return undefined;
}

/** The line of `lines` sharing the longest prefix with `line` (to show where a changed line differs). */
function closest(line: string, lines: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestShared = -1;
  for (const other of lines) {
    let k = 0;
    while (k < line.length && line[k] === other[k]) k++;
    if (k > bestShared) [best, bestShared] = [other, k];
  }
  return best;
}

async function loadSchema(src: string): Promise<SchemaModule> {
  const module = (await import(pathToFileURL(join(src, 'schema.ts')).href)) as Partial<SchemaModule>;
  if (typeof module.createSchema !== 'function' || typeof module.finishSchema !== 'function') {
    throw new Error(`${join(src, 'schema.ts')} exports no createSchema and finishSchema`);
  }
  return module as SchemaModule;
}

async function sqliteSchema(schema: SchemaModule): Promise<string[]> {
  const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  try {
    await schema.createSchema(db);
    await schema.finishSchema(db);
    const rows = (await db.raw("select type, name, tbl_name, sql from sqlite_master order by type, name")) as Record<string, unknown>[];
    return rows.map((r) => `${String(r.type)} ${String(r.name)} on ${String(r.tbl_name)}: ${String(r.sql)}`);
  } finally {
    await db.destroy();
  }
}

async function postgresStatements(schema: SchemaModule): Promise<string[]> {
  // A pg knex whose connection is never opened: every statement is written down and answered
  // with an empty result, which is all DDL and the count update need. The methods go on a
  // subclass's prototype, since a transaction's client is made from the client's class.
  const db = knex({ client: 'pg', connection: { host: 'recording.invalid' }, pool: { min: 0, max: 1 } });
  const statements: string[] = [];
  type Query = { sql: string; bindings?: unknown[]; response?: unknown };
  const Base = db.client.constructor as new (...args: never[]) => object;
  class Recording extends Base {
    async acquireConnection(): Promise<unknown> {
      return { recording: true };
    }
    async releaseConnection(): Promise<void> {}
    async _query(_connection: unknown, query: Query): Promise<Query> {
      const bindings = query.bindings !== undefined && query.bindings.length > 0 ? ` ${JSON.stringify(query.bindings)}` : '';
      statements.push(`${query.sql}${bindings}`);
      query.response = { rows: [], rowCount: 0, command: '', fields: [] };
      return query;
    }
  }
  Object.setPrototypeOf(db.client, Recording.prototype);
  try {
    await schema.createSchema(db);
    await schema.finishSchema(db);
    return statements;
  } finally {
    await db.destroy();
  }
}

/** `line` as one line, around where it first differs from `other` when it is long. */
function excerpt(line: string | undefined, other: string | undefined): string {
  if (line === undefined) return 'nothing';
  const text = line.replace(/\s+/g, ' ');
  const against = (other ?? '').replace(/\s+/g, ' ');
  if (text.length <= 160) return JSON.stringify(text);
  let at = 0;
  while (at < text.length && text[at] === against[at]) at++;
  const from = Math.max(0, at - 60);
  return JSON.stringify(`${from > 0 ? '...' : ''}${text.slice(from, from + 120)}${from + 120 < text.length ? '...' : ''}`);
}
