import type { QueryPlan } from '../result.js';
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
  const scanned = new Set<string>();
  const depth = new Map<number, number>([[0, -1]]);
  const shape: string[] = [];
  for (const { id, parent, detail } of rows) {
    const level = (depth.get(parent) ?? -1) + 1;
    depth.set(id, level);
    const resolved = detail.replace(/^(SCAN|SEARCH) (\w+)/, (_m, verb: string, name: string) => `${verb} ${aliases.get(name) ?? name}`);
    const match = /^SCAN (\w+)/.exec(resolved);
    if (match?.[1] !== undefined) scanned.add(match[1]);
    shape.push(`${'  '.repeat(level)}${resolved}`);
  }
  return { plan: rows.map((r) => r.detail), shape, scannedTables: [...scanned].sort() };
}
