import type { ScenarioResult } from '../core/result.js';

/**
 * Version of the statement normalization of committed query snapshots ({@link snapshotStatement}).
 * Snapshots record it: a change of what counts as the same statement changes every snapshot, so it
 * must be stated, never silent.
 * v1: {@link fingerprint} (literals and placeholders as ?, identifier quotes dropped, whitespace and
 * case folded, IN-lists and VALUES lists of any length as one shape), then table aliases resolved
 * to their tables (`collection_artifacts as ca ... ca.collection_id` reads
 * `collection_artifacts ... collection_artifacts.collection_id`), unless a table has two aliases.
 */
export const FINGERPRINT_VERSION = 1;

const NOT_ALIASES = new Set(['where', 'inner', 'left', 'right', 'join', 'on', 'group', 'order', 'limit', 'using', 'cross', 'outer', 'full', 'natural', 'union', 'having']);

/** A fingerprint with its table aliases spelled as the tables: renaming an alias is no change. */
export function snapshotStatement(fp: string): string {
  const aliases = new Map<string, string>();
  const perTable = new Map<string, number>();
  for (const m of fp.matchAll(/\b(?:from|join) (\w+)(?: as)? (\w+)\b/g)) {
    const [, table, alias] = m;
    if (table === undefined || alias === undefined || NOT_ALIASES.has(alias)) continue;
    aliases.set(alias, table);
    perTable.set(table, (perTable.get(table) ?? 0) + 1);
  }
  let out = fp;
  for (const [alias, table] of aliases) {
    if ((perTable.get(table) ?? 0) > 1 || alias === table) continue;
    out = out
      .replace(new RegExp(`\\b(from|join) ${table}(?: as)? ${alias}\\b`, 'g'), `$1 ${table}`)
      .replace(new RegExp(`(?<![\\w.])${alias}\\.`, 'g'), `${table}.`);
  }
  return out;
}

/**
 * The shape of a statement, with its values taken out: the same query issued with other values,
 * on either dialect, gets the same fingerprint.
 */
export function fingerprint(sql: string): string {
  return (
    sql
      // String literals first, so nothing inside them is mistaken for syntax: standard ones with
      // '' for a quote, and Postgres E'...' ones, where a backslash escapes too.
      .replace(/(?<![\w$])e'(?:[^'\\]|\\.|'')*'/gi, '?')
      .replace(/'(?:[^']|'')*'/g, '?')
      // Quoted identifiers: knex quotes with " on Postgres and ` on SQLite.
      .replace(/[`"]/g, '')
      .replace(/\$\d+/g, '?')
      // Numbers, but not the digits of identifiers such as t1 or col_2.
      .replace(/(?<![\w.])-?(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?(?![\w.])/gi, '?')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/\s*;$/, '')
      .toLowerCase()
      .replace(/\(\s*/g, '(')
      .replace(/\s*\)/g, ')')
      .replace(/\s*,\s*/g, ', ')
      // IN-lists of any length are one shape: in (?, ?, ?) -> in (...)
      .replace(/\bin ?\(\?(?:, \?)*\)/g, 'in (...)')
      // VALUES lists likewise: a batch of one row and one of fifty are the same statement.
      .replace(/\bvalues ?\((?:\?, )*\?\)(?:, ?\((?:\?, )*\?\))*/g, 'values (...)')
  );
}

/**
 * BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, SET TRANSACTION (knex sends it before BEGIN for an
 * isolation level): executed by the server, but not the request's own queries.
 */
export function isTransactionControl(sql: string): boolean {
  return /^\s*(begin|commit|end|rollback|savepoint|release|start\s+transaction|set\s+transaction)\b/i.test(sql);
}

/** Full scans of this run, "table <- statement" (statements as snapshots spell them). */
export function fullScansOf(result: ScenarioResult): string[] {
  const scans = new Set<string>();
  for (const plan of result.queries.plans ?? []) {
    const sql = snapshotStatement(plan.fingerprint.split('\u0000')[0] ?? plan.fingerprint);
    for (const table of plan.fullScans) scans.add(`${table} <- ${sql}`);
  }
  return [...scans].sort();
}
