import type { Knex } from 'knex';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import type { QueryPlan, ScenarioResult } from '../result.js';

/**
 * EXPLAINs one example of each distinct statement of the implementation under test. The
 * examples come from the profiling pass, re-run here outside any measured request.
 */
export async function attachPlans(
  adapter: DialectAdapter,
  db: Knex,
  results: ScenarioResult[],
  impl: string,
  tableRows: Record<string, number>,
): Promise<void> {
  for (const result of results) {
    if (result.impl !== impl || result.state !== 'completed') continue;
    const plans: QueryPlan[] = [];
    for (const f of result.queries.fingerprints) {
      const example = result.queries.examples?.[f.sql];
      if (example === undefined) continue;
      try {
        const plan = await adapter.explain(db, example.sql, example.bindings, tableRows);
        plans.push({ ...plan, fingerprint: f.sql });
      } catch (error) {
        plans.push({ fingerprint: f.sql, plan: `EXPLAIN failed: ${error instanceof Error ? error.message : String(error)}`, fullScans: [] });
      }
    }
    result.queries.plans = plans;
  }
}
