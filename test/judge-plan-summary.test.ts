/**
 * A query plan in one line (harness/judge/plan-summary.ts), as the gates and compare quote it:
 * SQLite's EXPLAIN QUERY PLAN rows, Postgres' JSON node tree (node type, relation, index, children
 * depth first), anything else as compact JSON, each cut at its length; a recorded shape first.
 */
import { describe, expect, it } from 'vitest';
import type { QueryPlan } from '../harness/core/result.js';
import { planLine, planSummary } from '../harness/judge/plan-summary.js';

describe('planSummary', () => {
  it.each<[string, unknown, string]>([
    ['SQLite rows: their details joined', [{ id: 2, detail: 'SCAN t1' }, { id: 3, detail: 'SEARCH t2 USING INDEX i (a=?)' }], 'SCAN t1; SEARCH t2 USING INDEX i (a=?)'],
    ['no rows at all', [], ''],
    ['a row without a text detail: as JSON', [{ detail: 'SCAN t1' }, { detail: 3 }], '[{"detail":"SCAN t1"},{"detail":3}]'],
    ['a row that is not an object: as JSON', [{ detail: 'SCAN t1' }, null], '[{"detail":"SCAN t1"},null]'],
    ['Postgres: the nodes depth first, with relation and index', [{ Plan: {
      'Node Type': 'Hash Join',
      Plans: [
        { 'Node Type': 'Seq Scan', 'Relation Name': 't1', Plans: [{ 'Node Type': 'Materialize' }] },
        { 'Node Type': 'Index Scan', 'Relation Name': 't2', 'Index Name': 't2_pkey' },
      ],
    } }], 'Hash Join > Seq Scan on t1 > Materialize > Index Scan on t2 using t2_pkey'],
    ['Postgres as one object, not in an array', { Plan: { 'Node Type': 'Result' } }, 'Result'],
    ['Postgres fields of other types are left out', [{ Plan: { 'Node Type': 7, 'Relation Name': 1, 'Index Name': null, Plans: 'none' } }], '?'],
    ['Postgres children that are not nodes are skipped', [{ Plan: { 'Node Type': 'Append', Plans: [null, ['x'], 'y', { 'Node Type': 'Result' }] } }], 'Append > Result'],
    ['two Postgres plans: as JSON', [{ Plan: { 'Node Type': 'A' } }, { Plan: { 'Node Type': 'B' } }], '[{"Plan":{"Node Type":"A"}},{"Plan":{"Node Type":"B"}}]'],
    ['a Plan that is not an object: as JSON', [{ Plan: ['Seq Scan'] }], '[{"Plan":["Seq Scan"]}]'],
    ['a Plan of null: as JSON', { Plan: null }, '{"Plan":null}'],
    ['text', 'Seq Scan on t1', '"Seq Scan on t1"'],
    ['nothing', undefined, 'undefined'],
    ['null', null, 'null'],
  ])('%s', (_, plan, line) => {
    expect(planSummary(plan)).toBe(line);
  });

  it('cuts at 160 characters by default, or at the length asked for, whatever the form', () => {
    const rows = [{ detail: 'x'.repeat(200) }];
    expect(planSummary(rows)).toBe(`${'x'.repeat(157)}...`);
    expect(planSummary(rows, 20)).toBe(`${'x'.repeat(17)}...`);
    expect(planSummary([{ detail: 'x'.repeat(160) }])).toBe('x'.repeat(160));
    expect(planSummary({ Plan: { 'Node Type': 'y'.repeat(30) } }, 10)).toBe('yyyyyyy...');
    expect(planSummary({ a: 'z'.repeat(30) }, 10)).toBe('{"a":"z...');
  });
});

describe('planLine', () => {
  const plan = (fields: Partial<QueryPlan>): QueryPlan => ({ fingerprint: 'select 1', plan: [{ detail: 'SCAN t1' }], fullScans: [], ...fields });

  it.each<[string, QueryPlan, string]>([
    ['the recorded shape, each line trimmed', plan({ shape: ['Hash Join', '  Seq Scan on t1', '  Hash  '] }), 'Hash Join > Seq Scan on t1 > Hash'],
    ['no shape: the database\'s own text', plan({}), 'SCAN t1'],
    ['an empty shape: the database\'s own text', plan({ shape: [] }), 'SCAN t1'],
  ])('%s', (_, p, line) => {
    expect(planLine(p)).toBe(line);
  });

  it('cuts at 120 characters by default, or at the length asked for, in either form', () => {
    expect(planLine(plan({ shape: ['a'.repeat(130)] }))).toBe(`${'a'.repeat(117)}...`);
    expect(planLine(plan({ shape: ['a'.repeat(120)] }))).toBe('a'.repeat(120));
    expect(planLine(plan({ shape: ['a'.repeat(130)] }), 8)).toBe('aaaaa...');
    expect(planLine(plan({ plan: [{ detail: 'b'.repeat(130) }] }))).toBe(`${'b'.repeat(117)}...`);
    expect(planLine(plan({ plan: [{ detail: 'b'.repeat(130) }] }), 8)).toBe('bbbbb...');
  });
});
