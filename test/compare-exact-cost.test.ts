import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import type { DialectAdapter } from '../harness/db/dialect-adapter.js';
import { attachPlans } from '../harness/runner/query-plans.js';
import type { QueryPlan, RequestCost, ScenarioResult } from '../harness/core/result.js';
import { exactCostRegressions } from '../harness/judge/exact-cost-growth.js';
import { fixedList50OnPostgres, makeScenarioResult } from './fixtures/sample-result.js';

const COUNTS = 'select c.id, (select count(*) from collection_artifacts as ca where ca.collection_id = c.id) as n from collections as c';

function measured(shape: string[], fullScans: string[], cost: Partial<RequestCost>): ScenarioResult {
  const plan: QueryPlan = { fingerprint: COUNTS, plan: null, shape, fullScans };
  return fixedList50OnPostgres({
    perRequest: 1, perRequestMin: 1, transactionControl: 0, fingerprints: [{ sql: COUNTS, count: 1 }], n1Suspects: [], byRequest: { 'page 1': 1 },
    plans: [plan],
    costs: [{ request: 'page 1', statements: 1, rowsReturned: 20, rowsRead: 1000, sharedBuffers: 100, fullScans, ...cost }],
  });
}

const INDEXED = ['Aggregate', '  Index Only Scan on collection_artifacts using collection_artifacts_pk'];
const SCANNED = ['Aggregate', '  Seq Scan on collection_artifacts'];

describe('compare: exact growth checks', () => {
  it('finds nothing between equal runs, nor in growth within the 5% tolerance', () => {
    expect(exactCostRegressions(measured(INDEXED, [], {}), measured(INDEXED, [], { rowsRead: 1050, sharedBuffers: 105 }), 'list-50, postgres')).toEqual([]);
  });

  it('flags a new full scan, the plan shape change and rows read grown beyond the tolerance, never buffers (they follow the physical layout)', () => {
    const lines = exactCostRegressions(measured(INDEXED, [], {}), measured(SCANNED, ['collection_artifacts'], { rowsRead: 1051, sharedBuffers: 900 }), 'list-50, postgres');
    expect(lines).toEqual([
      `new full scan of collection_artifacts in ${COUNTS.slice(0, 97)}... (list-50, postgres)`,
      `plan changed: Aggregate > Index Only Scan on collection_artifacts using collection_artifacts_pk -> Aggregate > Seq Scan on collection_artifacts in ${COUNTS.slice(0, 97)}... (list-50, postgres)`,
      'rows read per request grew 1000 -> 1051 (page 1; over 5%) (list-50, postgres)',
    ]);
  });

  it('judges nothing when a side has no plans (a run with --no-plans, or an older result file)', () => {
    const without = measured(INDEXED, [], {});
    delete without.queries.plans;
    expect(exactCostRegressions(without, measured(SCANNED, ['collection_artifacts'], { rowsRead: 99_999 }), 'x')).toEqual([]);
  });
});

describe('plans of one statement that differ between request kinds', () => {
  it('are kept apart under their request kind, so that comparing a run with itself finds nothing', async () => {
    // A page of 10 and a page of 100 run the same statement; the planner picks another join for 100.
    const adapter = {
      explain: async (_db: unknown, _sql: string, bindings: readonly unknown[]) =>
        ({ fingerprint: '', plan: null, fullScans: [], shape: [bindings.length > 10 ? 'Nested Loop' : 'Hash Join'], rowsRead: { collections: bindings.length } }),
    } as unknown as DialectAdapter;
    const sql = `select * from collections where id in (${'?, '.repeat(99)}?)`;
    const result = makeScenarioResult({
      scenario: 'page-sizes', dialect: 'postgres', impl: 'fixed', rawSamples: [3],
      queries: {
        perRequest: 1, perRequestMin: 1, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {},
        requestStatements: {
          'limit=10': [{ sql, bindings: Array.from({ length: 10 }, (_, i) => i), rows: 10 }],
          'limit=100': [{ sql, bindings: Array.from({ length: 100 }, (_, i) => i), rows: 100 }],
        },
      },
    });
    await attachPlans(adapter, {} as Knex, [result], 'fixed', {});
    expect(result.queries.plans?.map((p) => [p.fingerprint.split('\u0000')[1] ?? null, p.shape])).toEqual([[null, ['Hash Join']], ['limit=100', ['Nested Loop']]]);
    expect(result.queries.costs?.map((c) => [c.request, c.rowsRead, c.rowsReturned])).toEqual([['limit=10', 10, 10], ['limit=100', 100, 100]]);
    expect(exactCostRegressions(result, structuredClone(result), 'page-sizes, postgres')).toEqual([]);
  });
});
