import type { Knex } from 'knex';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import { fingerprint } from '../instrument/fingerprint.js';
import type { QueryPlan, RequestCost, ScenarioResult } from '../core/result.js';

/** A table read in full counts against `no-new-full-scan` above this many rows. */
export const DEFAULT_FULL_SCAN_ROWS = 1000;

/**
 * The exact cost of the implementation under test, gathered after its scenario was measured,
 * outside any timed request: for each request kind, each distinct statement of its first
 * profiled request is EXPLAINed once with its real bindings (on Postgres with ANALYZE and BUFFERS,
 * rolled back), and its figures count as often as the statement ran in that request.
 */
export async function attachPlans(
  adapter: DialectAdapter,
  db: Knex,
  results: ScenarioResult[],
  impl: string,
  tableRows: Record<string, number>,
  fullScanRows: number = DEFAULT_FULL_SCAN_ROWS,
): Promise<void> {
  const large = (tables: readonly string[] | undefined) => (tables ?? []).filter((t) => (tableRows[t] ?? 0) > fullScanRows);
  for (const result of results) {
    if (result.impl !== impl || result.state !== 'completed') continue;
    const started = performance.now();
    const plans = new Map<string, QueryPlan>();
    const costs: RequestCost[] = [];
    const explain = async (sql: string, bindings: readonly unknown[], key: string): Promise<QueryPlan> => {
      try {
        return { ...(await adapter.explain(db, sql, bindings, tableRows)), fingerprint: key };
      } catch (error) {
        return { fingerprint: key, plan: `EXPLAIN failed: ${error instanceof Error ? error.message : String(error)}`, fullScans: [], shape: ['EXPLAIN failed'] };
      }
    };
    for (const [request, statements] of Object.entries(result.queries.requestStatements ?? {})) {
      const byFingerprint = new Map<string, { sql: string; bindings: unknown[]; runs: number }>();
      for (const s of statements) {
        const key = fingerprint(s.sql);
        const seen = byFingerprint.get(key);
        if (seen === undefined) byFingerprint.set(key, { sql: s.sql, bindings: s.bindings, runs: 1 });
        else seen.runs += 1;
      }
      let rowsRead: number | undefined;
      let buffers: number | undefined;
      const fullScans = new Set<string>();
      for (const [key, { sql, bindings, runs }] of byFingerprint) {
        const plan = await explain(sql, bindings, key);
        plan.fullScans = large(plan.scannedTables);
        plan.request = request;
        for (const t of plan.fullScans) fullScans.add(t);
        if (plan.rowsRead !== undefined) rowsRead = (rowsRead ?? 0) + runs * Object.values(plan.rowsRead).reduce((a, b) => a + b, 0);
        if (plan.sharedHit !== undefined) buffers = (buffers ?? 0) + runs * (plan.sharedHit + (plan.sharedRead ?? 0));
        if (!plans.has(key)) plans.set(key, plan);
        else if (plans.get(key)?.shape?.join('\n') !== plan.shape?.join('\n')) {
          // Another shape of the same statement in this request kind (a larger page, another plan): kept apart.
          plan.fingerprint = `${key}\u0000${request}`;
          plans.set(plan.fingerprint, plan);
        }
      }
      costs.push({
        request,
        statements: statements.length,
        rowsReturned: statements.reduce((sum, s) => sum + (s.rows ?? 0), 0),
        ...(rowsRead === undefined ? {} : { rowsRead }),
        ...(buffers === undefined ? {} : { sharedBuffers: buffers }),
        fullScans: [...fullScans].sort(),
      });
    }
    // Statements seen only in later requests of a kind (none today) still get a plan from their example.
    for (const f of result.queries.fingerprints) {
      const example = result.queries.examples?.[f.sql];
      if (plans.has(f.sql) || example === undefined) continue;
      const plan = await explain(example.sql, example.bindings, f.sql);
      plan.fullScans = large(plan.scannedTables);
      plans.set(f.sql, plan);
    }
    result.queries.plans = [...plans.values()];
    result.queries.costs = costs;
    result.queries.costPassMs = Math.round((performance.now() - started) * 10) / 10;
  }
}
