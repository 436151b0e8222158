import type { QueryPlan } from '../core/result.js';

type PlanNode = Record<string, unknown>;

/**
 * Reads Postgres' EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON): the plan's shape (node types, tables,
 * indexes; no estimates, no timings), the rows each table's scans read, and the shared buffers.
 *
 * A scan reads a table in full when it has no index condition (a Seq Scan, or an index walked from
 * end to end) and read at least every row of the table in one loop (in all loops for a parallel
 * scan): a Seq Scan under a LIMIT that stopped after 51 rows is not a full scan.
 */
export function readPostgresPlan(explained: unknown, tableRows: Record<string, number>): Omit<QueryPlan, 'fingerprint' | 'fullScans'> {
  const root = (Array.isArray(explained) ? explained[0] : explained) as PlanNode | undefined;
  const plan = root?.['Plan'] as PlanNode | undefined;
  const shape: string[] = [];
  const scanned = new Set<string>();
  const rowsRead: Record<string, number> = {};
  const visit = (node: PlanNode, depth: number) => {
    const type = String(node['Node Type'] ?? '?');
    const relation = typeof node['Relation Name'] === 'string' ? node['Relation Name'] : undefined;
    const index = typeof node['Index Name'] === 'string' ? node['Index Name'] : undefined;
    const role = typeof node['Subplan Name'] === 'string' ? ` (${node['Subplan Name']})` : '';
    shape.push(`${'  '.repeat(depth)}${type}${relation === undefined ? '' : ` on ${relation}`}${index === undefined ? '' : ` using ${index}`}${role}`);
    if (relation !== undefined && /Scan$/.test(type)) {
      const loops = num(node['Actual Loops']);
      const perLoop = num(node['Actual Rows']) + num(node['Rows Removed by Filter']) + num(node['Rows Removed by Index Recheck']);
      rowsRead[relation] = (rowsRead[relation] ?? 0) + perLoop * loops;
      const unbounded = node['Index Cond'] === undefined && node['Recheck Cond'] === undefined && type !== 'Bitmap Heap Scan';
      const read = node['Parallel Aware'] === true ? perLoop * loops : perLoop;
      const size = tableRows[relation];
      if (unbounded && (size === undefined ? type === 'Seq Scan' : read >= size && size > 0)) scanned.add(relation);
    }
    const children = Array.isArray(node['Plans']) ? (node['Plans'] as PlanNode[]) : [];
    for (const child of children) visit(child, depth + 1);
  };
  if (plan !== undefined) visit(plan, 0);
  return {
    plan: explained,
    shape,
    scannedTables: [...scanned].sort(),
    rowsRead,
    // The root's buffers include every node below it.
    sharedHit: num(plan?.['Shared Hit Blocks']),
    sharedRead: num(plan?.['Shared Read Blocks']),
  };
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
