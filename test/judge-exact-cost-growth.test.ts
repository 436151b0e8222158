/**
 * The exact growth checks of compare and of the --against gate (harness/judge/exact-cost-growth.ts),
 * line by line: a full scan new to its statement (whatever the request kind suffix of the
 * fingerprint), a plan shape that changed for the same fingerprint, rows read per request kind
 * grown beyond the tolerance (at it, not), each said once, in the order of AFTER's plans and costs.
 * Pure and in memory: milliseconds, so bench:mutation runs them per mutant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueryPlan, RequestCost, ScenarioResult } from '../harness/core/result.js';
import { EXACT_GROWTH_TOLERANCE, exactCostRegressions } from '../harness/judge/exact-cost-growth.js';
import { fixedList50OnPostgres } from './fixtures/sample-result.js';

const WHERE = 'list-50, postgres';

function measured(plans: QueryPlan[] | undefined, costs?: RequestCost[]): ScenarioResult {
  return fixedList50OnPostgres({
    perRequest: 1, perRequestMin: 1, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {},
    ...(plans === undefined ? {} : { plans }),
    ...(costs === undefined ? {} : { costs }),
  });
}

const plan = (fingerprint: string, fullScans: string[], shape?: string[]): QueryPlan => ({ fingerprint, plan: null, fullScans, ...(shape === undefined ? {} : { shape }) });
const cost = (request: string, rowsRead: number | undefined): RequestCost => ({ request, statements: 1, rowsReturned: 1, fullScans: [], ...(rowsRead === undefined ? {} : { rowsRead }) });
/** A fingerprint of one request kind: the statement, NUL, the kind (as query-plans.ts keys them). */
const ofKind = (sql: string, kind: string) => `${sql}\u0000${kind}`;

describe('new full scans: a table read in full by a statement that did not read it in full before', () => {
  it.each<[string, QueryPlan[], QueryPlan[], string[]]>([
    ['a new scan', [plan('select a', [])], [plan('select a', ['t1'])], [`new full scan of t1 in select a (${WHERE})`]],
    ['the same scan', [plan('select a', ['t1'])], [plan('select a', ['t1'])], []],
    ['a scan that was there and one that was not, each table', [plan('select a', ['t1'])], [plan('select a', ['t1', 't2', 't3'])], [`new full scan of t2 in select a (${WHERE})`, `new full scan of t3 in select a (${WHERE})`]],
    ['the same table read in full by another statement is new there', [plan('select a', ['t1'])], [plan('select b', ['t1'])], [`new full scan of t1 in select b (${WHERE})`]],
    ['a scan that went away is no growth', [plan('select a', ['t1', 't2'])], [plan('select a', ['t1'])], []],
    ['the statement in another request kind is the same statement', [plan(ofKind('select a', 'page 1'), ['t1'])], [plan(ofKind('select a', 'page 10'), ['t1'])], []],
    ['named without the request kind; two kinds with the same new scan say it once', [plan(ofKind('select a', 'page 1'), [])], [plan(ofKind('select a', 'page 1'), ['t1']), plan(ofKind('select a', 'page 10'), ['t1'])], [`new full scan of t1 in select a (${WHERE})`]],
  ])('%s', (_, before, after, lines) => {
    expect(exactCostRegressions(measured(before), measured(after), WHERE)).toEqual(lines);
  });

  it('cuts a statement over 100 characters to 97 and an ellipsis', () => {
    const at = (length: number) => `select ${'x'.repeat(length - 7)}`;
    expect(at(100)).toHaveLength(100);
    expect(exactCostRegressions(measured([]), measured([plan(at(100), ['t1'])]), WHERE)).toEqual([`new full scan of t1 in ${at(100)} (${WHERE})`]);
    expect(exactCostRegressions(measured([]), measured([plan(at(101), ['t1'])]), WHERE)).toEqual([`new full scan of t1 in ${at(101).slice(0, 97)}... (${WHERE})`]);
  });
});

describe('plan shape changes of a fingerprint in both runs', () => {
  it.each<[string, QueryPlan, QueryPlan, string[]]>([
    ['another shape', plan('select a', [], ['Hash Join', '  Seq Scan on t1']), plan('select a', [], ['Nested Loop', '  Index Scan on t1']),
      [`plan changed: Hash Join > Seq Scan on t1 -> Nested Loop > Index Scan on t1 in select a (${WHERE})`]],
    ['the same shape', plan('select a', [], ['Hash Join', '  Seq Scan on t1']), plan('select a', [], ['Hash Join', '  Seq Scan on t1']), []],
    ['the same text, other lines', plan('select a', [], ['Hash', 'Join']), plan('select a', [], ['HashJoin']), [`plan changed: Hash > Join -> HashJoin in select a (${WHERE})`]],
    ['no shape before', plan('select a', []), plan('select a', [], ['Nested Loop']), []],
    ['no shape after', plan('select a', [], ['Hash Join']), plan('select a', []), []],
    ['another request kind of the statement is not the same fingerprint', plan(ofKind('select a', 'page 1'), [], ['Hash Join']), plan(ofKind('select a', 'page 10'), [], ['Nested Loop']), []],
  ])('%s', (_, before, after, lines) => {
    expect(exactCostRegressions(measured([before]), measured([after]), WHERE)).toEqual(lines);
  });

  it('finds the fingerprint among several, and says scans before shape changes for each plan, in AFTER\'s order', () => {
    const before = [plan('select b', [], ['B1']), plan('select a', [], ['A1'])];
    const after = [plan('select a', ['t1'], ['A2']), plan('select b', [], ['B2'])];
    expect(exactCostRegressions(measured(before), measured(after), WHERE)).toEqual([
      `new full scan of t1 in select a (${WHERE})`,
      `plan changed: A1 -> A2 in select a (${WHERE})`,
      `plan changed: B1 -> B2 in select b (${WHERE})`,
    ]);
  });

  it('cuts each side of the change at 120 characters', () => {
    const long = (c: string) => [`${c.repeat(130)}`];
    const [line] = exactCostRegressions(measured([plan('select a', [], long('a'))]), measured([plan('select a', [], long('b'))]), WHERE);
    expect(line).toBe(`plan changed: ${'a'.repeat(117)}... -> ${'b'.repeat(117)}... in select a (${WHERE})`);
  });
});

describe(`rows read per request kind: grown by more than ${EXACT_GROWTH_TOLERANCE * 100}%`, () => {
  it('is 5%', () => {
    expect(EXACT_GROWTH_TOLERANCE).toBe(0.05);
  });

  it.each<[string, RequestCost[] | undefined, RequestCost[] | undefined, string[]]>([
    ['at the tolerance', [cost('page 1', 1000)], [cost('page 1', 1050)], []],
    ['just over it', [cost('page 1', 1000)], [cost('page 1', 1051)], [`rows read per request grew 1000 -> 1051 (page 1; over 5%) (${WHERE})`]],
    ['fewer', [cost('page 1', 1000)], [cost('page 1', 10)], []],
    ['from none read', [cost('page 1', 0)], [cost('page 1', 1)], [`rows read per request grew 0 -> 1 (page 1; over 5%) (${WHERE})`]],
    ['matched by request kind, in AFTER\'s order', [cost('page 2', 10), cost('page 1', 1000)], [cost('page 1', 1000), cost('page 2', 20), cost('page 3', 1)],
      [`rows read per request grew 10 -> 20 (page 2; over 5%) (${WHERE})`]],
    ['a kind new in AFTER is not compared', [cost('page 1', 10)], [cost('page 9', 1000)], []],
    ['not read before (SQLite does not say)', [cost('page 1', undefined)], [cost('page 1', 1000)], []],
    ['not read after', [cost('page 1', 10)], [cost('page 1', undefined)], []],
    ['no costs before', undefined, [cost('page 1', 1000)], []],
    ['no costs after', [cost('page 1', 10)], undefined, []],
  ])('%s', (_, before, after, lines) => {
    expect(exactCostRegressions(measured([], before), measured([], after), WHERE)).toEqual(lines);
  });

  it('property: flags exactly the kinds read more than 5% more, after the plans\' lines', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2000), fc.nat(2000)), { minLength: 1, maxLength: 4 }), (pairs) => {
        const before = pairs.map(([b], i) => cost(`k${i}`, b));
        const after = pairs.map(([, a], i) => cost(`k${i}`, a));
        const lines = exactCostRegressions(measured([plan('select a', [])], before), measured([plan('select a', ['t1'])], after), WHERE);
        const grown = pairs.flatMap(([b, a], i) => (a > b * 1.05 ? [`rows read per request grew ${b} -> ${a} (k${i}; over 5%) (${WHERE})`] : []));
        expect(lines).toEqual([`new full scan of t1 in select a (${WHERE})`, ...grown]);
      }),
      { numRuns: 100, seed: 24 },
    );
  });
});

describe('judges nothing when a side has no plans', () => {
  it.each<[string, QueryPlan[] | undefined, QueryPlan[] | undefined]>([
    ['before', undefined, [plan('select a', ['t1'])]],
    ['after', [plan('select a', [])], undefined],
    ['both', undefined, undefined],
  ])('no plans %s: not even the rows read', (_, before, after) => {
    expect(exactCostRegressions(measured(before, [cost('page 1', 1)]), measured(after, [cost('page 1', 1000)]), WHERE)).toEqual([]);
  });
});
