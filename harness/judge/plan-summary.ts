import { truncate } from '../core/format.js';
import type { QueryPlan } from '../core/result.js';

/**
 * One line from a query plan as the database printed it: SQLite's EXPLAIN QUERY PLAN rows
 * (`detail`), Postgres' EXPLAIN (FORMAT JSON) node tree; anything else as compact JSON.
 */
export function planSummary(plan: unknown, max = 160): string {
  if (Array.isArray(plan) && plan.every((row) => isRecord(row) && typeof row['detail'] === 'string')) {
    return truncate(plan.map((row) => (row as { detail: string }).detail).join('; '), max);
  }
  const root = Array.isArray(plan) && plan.length === 1 ? plan[0] : plan;
  if (isRecord(root) && isRecord(root['Plan'])) {
    return truncate(postgresNodes(root['Plan']).join(' > '), max);
  }
  return truncate(JSON.stringify(plan) ?? String(plan), max);
}

function postgresNodes(node: Record<string, unknown>): string[] {
  const type = typeof node['Node Type'] === 'string' ? node['Node Type'] : '?';
  const relation = typeof node['Relation Name'] === 'string' ? ` on ${node['Relation Name']}` : '';
  const index = typeof node['Index Name'] === 'string' ? ` using ${node['Index Name']}` : '';
  const children = Array.isArray(node['Plans']) ? node['Plans'].filter(isRecord).flatMap(postgresNodes) : [];
  return [`${type}${relation}${index}`, ...children];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plan in one line: its shape when the run recorded one (nodes joined by " > "), else the database's own text. */
export function planLine(plan: QueryPlan, max = 120): string {
  if (plan.shape !== undefined && plan.shape.length > 0) return truncate(plan.shape.map((l) => l.trim()).join(' > '), max);
  return planSummary(plan.plan, max);
}
