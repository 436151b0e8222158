import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import knex, { type Knex } from 'knex';

/** What querygate needs of a src/schema.ts. */
interface SchemaModule {
  createSchema: (db: Knex) => Promise<void>;
  finishSchema: (db: Knex) => Promise<void>;
}

/**
 * How the database schemas of two src/ trees differ, or undefined when they are the same: each
 * side's createSchema and finishSchema run on an in-memory SQLite database (the objects SQLite
 * stores are compared) and on a Postgres client that records its statements instead of sending
 * them (the DDL is compared statement by statement). So a comment or a refactor of the schema
 * code lets `run --against` measure both sides on one fixture, and a change in the dialect
 * files (triggers) counts as much as one in schema.ts.
 */
export async function schemaDifference(refSrc: string, ownSrc: string): Promise<string | undefined> {
  const [ref, own] = await Promise.all([loadSchema(refSrc), loadSchema(ownSrc)]);
  for (const [dialect, dump] of [
    ['SQLite', sqliteSchema],
    ['Postgres', postgresStatements],
  ] as const) {
    const [a, b] = [await dump(ref), await dump(own)];
    const at = a.findIndex((line, k) => line !== b[k]);
    const first = at >= 0 ? at : a.length !== b.length ? Math.min(a.length, b.length) : -1;
    if (first >= 0) return `on ${dialect}, REF has ${excerpt(a[first], b[first])} where the working tree has ${excerpt(b[first], a[first])}`;
  }
  return undefined;
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
