import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snapshotStatement } from '../harness/instrument/fingerprint.js';
import type { GateResult, QueryPlan, ScenarioResult } from '../harness/core/result.js';
import { checkSnapshot, snapshotPath, type SnapshotOptions } from '../harness/runner/query-snapshot.js';
import { applyGates, DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { renderJunit } from '../reports/junit-report.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { list50 } from '../scenarios/list-50.js';
import { fixedList50OnPostgres, makeRun } from './fixtures/sample-result.js';
import { testFolder } from './support/databases.js';

const TOTAL = 'select count(*) as n from artifacts limit ?';
const COUNTS = 'select c.id, (select count(*) from collection_artifacts as ca where ca.collection_id = c.id) as n from collections as c';
const EXTRA = 'select artifacts.id from artifacts where artifacts.id = ? limit ?';

const plan = (fingerprint: string, shape: string[], fullScans: string[] = []): QueryPlan => ({ fingerprint, plan: null, shape, fullScans, scannedTables: fullScans });

/** fixed's list-50 on one database, as the profiling pass leaves it; `change` alters it the way a code change would. */
function measured(change: 'none' | 'scan' | 'extra-statement' = 'none'): ScenarioResult {
  const fingerprints = [
    { sql: COUNTS, count: 1 },
    { sql: TOTAL, count: 1 },
    ...(change === 'extra-statement' ? [{ sql: EXTRA, count: 50 }] : []),
  ];
  const counts = change === 'scan' ? ['Aggregate', '  Seq Scan on collection_artifacts'] : ['Aggregate', '  Index Only Scan on collection_artifacts using collection_artifacts_pk'];
  return fixedList50OnPostgres({
    perRequest: fingerprints.reduce((n, f) => n + f.count, 0),
    perRequestMin: 2,
    transactionControl: 0,
    fingerprints,
    n1Suspects: [],
    byRequest: { 'page 1': 2 },
    plans: [
      plan(TOTAL, ['Aggregate', '  Seq Scan on artifacts'], ['artifacts']),
      plan(COUNTS, counts, change === 'scan' ? ['collection_artifacts'] : []),
      ...(change === 'extra-statement' ? [plan(EXTRA, ['Index Scan on artifacts using artifacts_pkey'])] : []),
    ],
    costs: [{ request: 'page 1', statements: 2, rowsReturned: 21, rowsRead: change === 'scan' ? 49_760 : 10_960, sharedBuffers: 120, fullScans: [] }],
  });
}

const judge = (result: ScenarioResult): Record<string, GateResult> => {
  applyGates([result], [], [list50], 'fixed', DEFAULT_THRESHOLDS);
  return Object.fromEntries(result.gates.map((g) => [g.id, g]));
};

const options = (dir: string, fields: Partial<SnapshotOptions> = {}): SnapshotOptions => ({ dir, update: false, ci: false, ...fields });

describe('committed query snapshots', () => {
  it('writes a missing snapshot of the committed profile outside CI, accepting the scans of the tables named; then matches it', () => {
    const dir = testFolder('snapshots');
    const first = measured();
    first.queries.snapshot = checkSnapshot(first, 'default', 42, options(dir, { acceptFullScans: ['artifacts'] }));
    expect(first.queries.snapshot.status).toBe('written');
    const text = readFileSync(snapshotPath(dir, first, 'default', 42), 'utf8');
    expect(text).toContain('fingerprint-normalization: v1');
    expect(text).toContain(`artifacts <- ${TOTAL}`);
    expect(text).toContain('page 1: 2 statements, 21 rows returned, 10960 rows read\n');
    expect(text).not.toMatch(/buffers\n/);

    const again = measured();
    again.queries.snapshot = checkSnapshot(again, 'default', 42, options(dir));
    expect(again.queries.snapshot.status).toBe('matched');
    const gates = judge(again);
    expect(gates['same-queries-as-snapshot']?.pass).toBe(true);
    expect(gates['no-new-full-scan']?.pass).toBe(true);
    expect(gates['no-new-full-scan']?.actual).toBe('1 accepted');
  });

  it('fails a missing snapshot when CI is set, and does not judge another profile without one', () => {
    const dir = testFolder('snapshots');
    const ci = measured();
    ci.queries.snapshot = checkSnapshot(ci, 'default', 42, options(dir, { ci: true }));
    const ciGate = judge(ci)['same-queries-as-snapshot'];
    expect(ciGate?.pass).toBe(false);
    expect(ciGate?.message).toMatch(/--update-snapshots/);

    const small = measured();
    small.queries.snapshot = checkSnapshot(small, 'small', 42, options(dir));
    const smallGate = judge(small)['same-queries-as-snapshot'];
    expect(smallGate).toMatchObject({ pass: true, judged: false, actual: 'not judged' });
  });

  it('accepts no new full scan unless its table is named, and none at all in CI: the rest are listed as pending and fail', () => {
    const unnamed = measured();
    unnamed.queries.snapshot = checkSnapshot(unnamed, 'default', 42, options(testFolder('snapshots')));
    expect(unnamed.queries.snapshot).toMatchObject({ status: 'written', acceptedScans: [], pendingScans: [`artifacts <- ${TOTAL}`] });
    const gate = judge(unnamed)['no-new-full-scan'];
    expect(gate?.pass).toBe(false);
    expect(gate?.message).toMatch(/accept with --update-snapshots --accept-full-scan artifacts$/);

    const inCi = measured();
    inCi.queries.snapshot = checkSnapshot(inCi, 'default', 42, options(testFolder('snapshots'), { update: true, ci: true, acceptFullScans: ['artifacts'] }));
    expect(inCi.queries.snapshot).toMatchObject({ status: 'updated', acceptedScans: [], pendingScans: [`artifacts <- ${TOTAL}`] });
    expect(judge(inCi)['no-new-full-scan']?.pass).toBe(false);
  });

  it('fails a lost index on both new gates, and an added statement with a diff that names it', () => {
    const dir = testFolder('snapshots');
    const reference = measured();
    checkSnapshot(reference, 'default', 42, options(dir, { acceptFullScans: ['artifacts'] }));

    const scan = measured('scan');
    scan.queries.snapshot = checkSnapshot(scan, 'default', 42, options(dir));
    const scanGates = judge(scan);
    expect(scanGates['no-new-full-scan']?.pass).toBe(false);
    expect(scanGates['no-new-full-scan']?.message).toMatch(/^reads collection_artifacts in full/);
    expect(scanGates['same-queries-as-snapshot']?.pass).toBe(false);
    expect(scan.queries.snapshot.diff).toContain('+     Seq Scan on collection_artifacts');
    expect(scan.queries.snapshot.diff).toContain('-     Index Only Scan on collection_artifacts using collection_artifacts_pk');
    expect(scan.queries.snapshot.diff).toContain(`+ collection_artifacts <- ${snapshotStatement(COUNTS)}`);

    const extra = measured('extra-statement');
    extra.queries.snapshot = checkSnapshot(extra, 'default', 42, options(dir));
    expect(judge(extra)['same-queries-as-snapshot']?.pass).toBe(false);
    expect(extra.queries.snapshot.diff).toContain(`+ 50x ${EXTRA}`);
  });

  it('spells aliases as their tables, so renaming an alias changes nothing', () => {
    expect(snapshotStatement(COUNTS)).toBe(
      'select collections.id, (select count(*) from collection_artifacts where collection_artifacts.collection_id = collections.id) as n from collections',
    );
    expect(snapshotStatement(COUNTS.replace(/\bc\b/g, 'col'))).toBe(snapshotStatement(COUNTS));
    // A table under two aliases keeps them: resolving would merge two different rows.
    const selfJoin = 'select a1.id from artifacts as a1 inner join artifacts as a2 on a1.id = a2.id';
    expect(snapshotStatement(selfJoin)).toBe(selfJoin);
  });

  it('rewrites on --update-snapshots, and states a change of the fingerprint normalization', () => {
    const dir = testFolder('snapshots');
    const reference = measured();
    checkSnapshot(reference, 'default', 42, options(dir, { acceptFullScans: ['artifacts'] }));
    const path = snapshotPath(dir, reference, 'default', 42);
    writeFileSync(path, readFileSync(path, 'utf8').replace('fingerprint-normalization: v1', 'fingerprint-normalization: v0'));
    const stale = measured();
    stale.queries.snapshot = checkSnapshot(stale, 'default', 42, options(dir));
    expect(judge(stale)['same-queries-as-snapshot']?.message).toMatch(/^fingerprint normalization changed from v0 to v1/);

    const scan = measured('scan');
    // The scan already accepted stays; the new one only because its table is named.
    scan.queries.snapshot = checkSnapshot(scan, 'default', 42, options(dir, { update: true, acceptFullScans: ['collection_artifacts'] }));
    expect(scan.queries.snapshot.pendingScans).toBeUndefined();
    expect(scan.queries.snapshot.status).toBe('updated');
    expect(readFileSync(path, 'utf8')).toContain(`collection_artifacts <- ${snapshotStatement(COUNTS)}`);
    const after = measured('scan');
    after.queries.snapshot = checkSnapshot(after, 'default', 42, options(dir));
    expect(after.queries.snapshot.status).toBe('matched');
    expect(judge(after)['no-new-full-scan']?.pass).toBe(true);
  });

  it('shows cost, plan shapes and the diff in report.md, and the new gates as JUnit testcases (not judged: skipped)', () => {
    const dir = testFolder('snapshots');
    checkSnapshot(measured(), 'default', 42, options(dir, { acceptFullScans: ['artifacts'] }));
    const extra = measured('extra-statement');
    extra.queries.snapshot = checkSnapshot(extra, 'default', 42, options(dir));
    judge(extra);
    const markdown = renderMarkdown(makeRun([extra], { implUnderTest: 'fixed' }));
    expect(markdown).toContain('<summary>Exact cost per request');
    expect(markdown).toMatch(/\| page 1 +\| +2 \| +21 \| +10960 \| +120 \| none +\|/);
    expect(markdown).toContain(`\`\`\`diff\n`);
    expect(markdown).toContain(`+ 50x ${EXTRA}`);
    expect(markdown).toContain('Aggregate > Seq Scan on artifacts');
    expect(markdown).toContain('FULL SCAN: artifacts (accepted)');
    const junit = renderJunit(makeRun([extra], { implUnderTest: 'fixed' }));
    expect(junit).toMatch(/name="fixed: same-queries-as-snapshot"[^\n]*>\n\s*<failure [^>]*>[^<]*\+ 50x select artifacts\.id/);
    expect(junit).toContain('name="fixed: no-new-full-scan"');

    const small = measured();
    small.queries.snapshot = checkSnapshot(small, 'small', 42, options(dir));
    judge(small);
    const skipped = renderJunit(makeRun([small], { implUnderTest: 'fixed' }));
    expect(skipped).toMatch(/name="fixed: same-queries-as-snapshot"[^\n]*>\n\s*<skipped message="no snapshot for this fixture profile/);
    // Its full scan of artifacts can be neither accepted nor refused without a snapshot of the profile.
    expect(skipped).toMatch(/name="fixed: no-new-full-scan"[^\n]*>\n\s*<skipped message="1 full scan \(artifacts\) and no snapshot/);
    expect(skipped).toMatch(/skipped="2"/);
  });
});
