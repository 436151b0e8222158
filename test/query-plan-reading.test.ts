import { describe, expect, it } from 'vitest';
import { readPostgresPlan } from '../harness/db/postgres-plan.js';
import { readSqlitePlan } from '../harness/db/sqlite-plan.js';
import { lineDiff } from '../harness/runner/line-diff.js';

// fixed's count statement as knex writes it on SQLite (backtick quotes), with its index defeated.
const COUNT_SQL =
  "select `c`.`id`, (select count(*) from `collection_artifacts` as `ca` where ca.collection_id || '' = c.id) as `n` from `collections` as `c` where `c`.`id` in (select `collection_id` from `collection_artifacts` where `artifact_id` in (?, ?))";

describe('SQLite EXPLAIN QUERY PLAN', () => {
  it('finds a scan inside a correlated subquery under its alias, and resolves the alias in the shape', () => {
    const read = readSqlitePlan(
      [
        { id: 3, parent: 0, detail: 'SEARCH c USING COVERING INDEX sqlite_autoindex_collections_1 (id=?)' },
        { id: 7, parent: 0, detail: 'LIST SUBQUERY 2' },
        { id: 9, parent: 7, detail: 'SEARCH collection_artifacts USING INDEX collection_artifacts_artifact_id_idx (artifact_id=?)' },
        { id: 20, parent: 0, detail: 'CORRELATED SCALAR SUBQUERY 1' },
        { id: 24, parent: 20, detail: 'SCAN ca' },
      ],
      COUNT_SQL,
    );
    expect(read.scannedTables).toEqual(['collection_artifacts']);
    expect(read.shape).toEqual([
      'SEARCH collections USING COVERING INDEX sqlite_autoindex_collections_1 (id=?)',
      'LIST SUBQUERY 2',
      '  SEARCH collection_artifacts USING INDEX collection_artifacts_artifact_id_idx (artifact_id=?)',
      'CORRELATED SCALAR SUBQUERY 1',
      '  SCAN collection_artifacts',
    ]);
  });

  it('counts a scan of every row as full, but not an index walk that stops at ORDER BY ... LIMIT', () => {
    const count = readSqlitePlan([{ id: 2, parent: 0, detail: 'SCAN artifacts USING COVERING INDEX artifacts_type_name_uq' }], 'select count(*) as `n` from `artifacts` limit ?');
    expect(count.scannedTables).toEqual(['artifacts']);
    const page = readSqlitePlan([{ id: 2, parent: 0, detail: 'SCAN artifacts USING INDEX artifacts_type_name_uq' }], 'select * from `artifacts` order by `type` asc, `name` asc limit ?');
    expect(page.scannedTables).toEqual([]);
    const sorted = readSqlitePlan(
      [
        { id: 2, parent: 0, detail: 'SCAN artifacts USING INDEX artifacts_type_name_uq' },
        { id: 9, parent: 0, detail: 'USE TEMP B-TREE FOR ORDER BY' },
      ],
      'select * from `artifacts` order by `created_at` limit ?',
    );
    expect(sorted.scannedTables).toEqual(['artifacts']);
  });
});

describe('Postgres EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)', () => {
  const explained = [
    {
      Plan: {
        'Node Type': 'Hash Join',
        'Shared Hit Blocks': 600,
        'Shared Read Blocks': 7,
        Plans: [
          { 'Node Type': 'Seq Scan', 'Relation Name': 'collections', 'Actual Rows': 20, 'Actual Loops': 1 },
          {
            'Node Type': 'Aggregate',
            'Subplan Name': 'SubPlan 1',
            Plans: [
              // Every membership, once per collection: 12 returned + 1976 removed by the filter, 20 times.
              { 'Node Type': 'Seq Scan', 'Relation Name': 'collection_artifacts', 'Actual Rows': 12, 'Rows Removed by Filter': 1976, 'Actual Loops': 20 },
            ],
          },
        ],
      },
    },
  ];

  it('reads the shape, rows read per table including rows removed by filters, and the root buffers', () => {
    const read = readPostgresPlan(explained, { collections: 20, collection_artifacts: 1988 });
    expect(read.shape).toEqual(['Hash Join', '  Seq Scan on collections', '  Aggregate (SubPlan 1)', '    Seq Scan on collection_artifacts']);
    expect(read.rowsRead).toEqual({ collections: 20, collection_artifacts: 1988 * 20 });
    expect(read.sharedHit).toBe(600);
    expect(read.sharedRead).toBe(7);
    expect(read.scannedTables).toEqual(['collection_artifacts', 'collections']);
  });

  it('does not count a Seq Scan that a LIMIT stopped early, nor an index scan with a condition', () => {
    const read = readPostgresPlan(
      [
        {
          Plan: {
            'Node Type': 'Nested Loop',
            Plans: [
              { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'artifacts', 'Actual Rows': 51, 'Actual Loops': 1 }] },
              { 'Node Type': 'Index Only Scan', 'Relation Name': 'collection_artifacts', 'Index Name': 'pk', 'Index Cond': '(collection_id = c.id)', 'Actual Rows': 2000, 'Actual Loops': 1 },
            ],
          },
        },
      ],
      { artifacts: 10000, collection_artifacts: 2000 },
    );
    expect(read.scannedTables).toEqual([]);
    expect(read.rowsRead).toEqual({ artifacts: 51, collection_artifacts: 2000 });
  });
});

describe('lineDiff', () => {
  it('shows removed and added lines with one line of context, and nothing for equal texts', () => {
    expect(lineDiff('a\nb\nc', 'a\nb\nc')).toBe('');
    expect(lineDiff('a\nb\nc\nd\ne\nf', 'a\nb\nX\nd\ne\nf\ng')).toBe(['  b', '- c', '+ X', '  d', '...', '  f', '+ g'].join('\n'));
  });
});
