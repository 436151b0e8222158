import type { QueryPlan } from '../core/result.js';
import { tablesByAlias } from './sql-aliases.js';

/** One row of SQLite's EXPLAIN QUERY PLAN. */
export interface SqlitePlanRow {
  id: number;
  parent: number;
  detail: string;
}

/**
 * Reads SQLite's EXPLAIN QUERY PLAN: the shape as an indented tree (SCAN / SEARCH ... USING
 * [COVERING] INDEX, subqueries, temp B-trees), with aliases resolved to table names, and the tables
 * read in full. "SCAN t", with or without an index, visits every row; "SEARCH" reads a range. A scan
 * inside a correlated subquery names its table by the alias (`SCAN ca`), hence the resolution.
 * SQLite does not report rows examined through this interface, so none are claimed.
 */
export function readSqlitePlan(rows: readonly SqlitePlanRow[], sql: string): Omit<QueryPlan, 'fingerprint' | 'fullScans'> {
  const aliases = tablesByAlias(sql);
  // A SCAN that walks an index in ORDER BY order under a LIMIT stops at the limit (the first page
  // of a keyset listing): it is not a full scan. Only for the outermost loop of a statement with
  // no aggregate and no temp B-tree for the ordering, where that reading is certain.
  const stopsAtLimit =
    /\border\s+by\b[^()]*\blimit\b[^()]*$/i.test(sql) &&
    !/\b(count|sum|avg|min|max|group_concat)\s*\(|\bgroup\s+by\b/i.test(sql) &&
    !rows.some((r) => r.detail.includes('USE TEMP B-TREE'));
  const scanned = new Set<string>();
  const depth = new Map<number, number>([[0, -1]]);
  const shape: string[] = [];
  for (const { id, parent, detail } of rows) {
    const level = (depth.get(parent) ?? -1) + 1;
    depth.set(id, level);
    const resolved = detail.replace(/^(SCAN|SEARCH) (\w+)/, (_m, verb: string, name: string) => `${verb} ${aliases.get(name) ?? name}`);
    const match = /^SCAN (\w+)/.exec(resolved);
    const bounded = stopsAtLimit && level === 0 && shape.length === 0 && / USING (COVERING )?INDEX /.test(resolved);
    if (match?.[1] !== undefined && !bounded) scanned.add(match[1]);
    shape.push(`${'  '.repeat(level)}${resolved}`);
  }
  return { plan: rows.map((r) => r.detail), shape, scannedTables: [...scanned].sort() };
}
