import type { QueryPlan, RunResult } from '../harness/core/result.js';
import { formatCount, formatMs } from '../harness/core/format.js';
import { markdownTable } from './markdown.js';
import { groupResults } from '../harness/core/result-groups.js';

/** The fingerprint of a plan, and the request kind when its shape differs from the first one's. */
export function planFingerprint(plan: QueryPlan): string {
  const [sql, request] = plan.fingerprint.split('\u0000');
  return request === undefined ? (sql ?? '') : `${sql ?? ''} (${request})`;
}

/**
 * Per scenario and database, the exact cost of each request kind of the implementation under
 * test beside its latency, the snapshot's verdict, and what changed against the snapshot.
 */
export function exactCostSection(run: RunResult): string | null {
  const judged = groupResults(run.results)
    .flatMap((g) => g.results)
    .filter((r) => r.impl === run.implUnderTest && r.queries.costs !== undefined && r.queries.costs.length > 0);
  if (judged.length === 0) return null;
  const parts = [
    '## Exact cost per request',
    '',
    `${run.implUnderTest}, from the profiling pass (never while timing): each distinct statement EXPLAINed once per request kind with its real bindings. ` +
      'Rows read and buffers are Postgres EXPLAIN (ANALYZE, BUFFERS) figures; SQLite reports plan shapes and rows returned only. ' +
      'All of these are identical from run to run on one fixture and gate exactly through the snapshot.',
  ];
  for (const r of judged) {
    const rows = (r.queries.costs ?? []).map((c) => [
      c.request,
      String(c.statements),
      formatCount(c.rowsReturned),
      c.rowsRead === undefined ? '-' : formatCount(c.rowsRead),
      c.sharedBuffers === undefined ? '-' : formatCount(c.sharedBuffers),
      c.fullScans.length === 0 ? 'none' : c.fullScans.join(', '),
    ]);
    const snapshot = r.queries.snapshot;
    parts.push(
      '',
      `### ${r.scenario} on ${r.dialect}`,
      '',
      `p50 ${formatMs(r.latencyMs.p50)} ms, p95 ${formatMs(r.latencyMs.p95)} ms.` +
        (snapshot === undefined ? '' : ` Snapshot \`${snapshot.file}\`: ${snapshot.status}.`),
      '',
      markdownTable(['request', 'statements', 'rows returned', 'rows read', 'buffers', 'full scans'], rows, ['left', 'right', 'right', 'right', 'right', 'left']),
    );
    if (snapshot?.status === 'differs' && snapshot.diff !== undefined) {
      parts.push('', 'Changed against the snapshot (- snapshot, + this run):', '', '```diff', snapshot.diff, '```');
    }
  }
  return parts.join('\n');
}
