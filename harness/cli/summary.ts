import { formatMs, mdeNote } from '../core/format.js';
import { runVerdict } from '../judge/judge-run.js';
import { belowSrcNotes } from '../../reports/summary-report.js';
import type { PairedComparison, RunResult } from '../core/result.js';
import { clearProgress } from './progress.js';
import type { WrittenOutputs } from './write-outputs.js';


/** The short table on stdout: one line per database, scenario and implementation, then the verdict. */
export function printSummary(result: RunResult, written: WrittenOutputs): void {
  clearProgress();
  const rows = [['db', 'scenario', 'impl', 'n', 'p50 ms', 'p95 ms', 'queries', 'gates']];
  for (const r of result.results) {
    const failed = r.gates.filter((g) => !g.pass).map((g) => g.id);
    const gates = r.state === 'errored' ? 'ERROR' : r.gates.length === 0 ? '-' : failed.length === 0 ? `pass (${r.gates.length})` : `FAIL: ${failed.join(', ')}`;
    rows.push([r.dialect, r.scenario, r.impl, String(r.samples), formatMs(r.latencyMs.p50), formatMs(r.latencyMs.p95), String(r.queries.perRequest), gates]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => (i >= 3 && i <= 6 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
  process.stdout.write(`${lines.join('\n')}\n\n`);
  for (const r of result.results) {
    for (const g of r.gates) {
      if (g.pass) continue;
      process.stdout.write(`FAIL ${g.id} (${r.dialect}, ${r.scenario}, ${r.impl}): ${g.message}\n`);
      const diff = g.id === 'same-queries-as-snapshot' ? r.queries.snapshot?.diff?.split('\n') : undefined;
      if (diff !== undefined) {
        const shown = diff.slice(0, SNAPSHOT_DIFF_LINES).map((l) => `    ${l.length > 200 ? `${l.slice(0, 197)}...` : l}`);
        if (diff.length > SNAPSHOT_DIFF_LINES) shown.push(`    ... ${diff.length - SNAPSHOT_DIFF_LINES} more lines in report.md`);
        process.stdout.write(`${shown.join('\n')}\n`);
      }
    }
    if (r.state === 'errored') process.stdout.write(`ERROR ${r.dialect} ${r.scenario} ${r.impl}: ${r.error ?? ''}\n`);
    // Each full scan a written snapshot did not accept: the review --accept-full-scan asks for.
    for (const scan of r.queries.snapshot?.pendingScans ?? []) {
      process.stdout.write(`NOT ACCEPTED full scan (${r.dialect}, ${r.scenario}): ${scan.slice(0, 200)}; review it, then --update-snapshots --accept-full-scan ${scan.split(' <- ')[0]}\n`);
    }
  }
  for (const e of result.errors) process.stdout.write(`ERROR ${e}\n`);
  const others = result.environment.disturbedBy ?? [];
  if (others.length > 0) {
    process.stdout.write(`latency disturbed: other querygate runs measured at the same time (pid ${others.map((o) => o.pid).join(', ')}); counts are not affected\n`);
  }
  if (pairLines(result).length > 0) process.stdout.write('\n');
  for (const line of pairLines(result)) process.stdout.write(`${line}\n`);
  const { outcome } = runVerdict(result);
  process.stdout.write(
    `verdict: ${outcome === 'missing-evidence' ? 'MISSING EVIDENCE (not a pass)' : outcome.toUpperCase()} (impl under test: ${result.implUnderTest}, profile ${result.fixture.profile}, ${(result.durationMs / 1000).toFixed(1)} s)\n`,
  );
  process.stdout.write(`wrote ${written.files.join(', ')}${written.note === null ? '' : `; note ${written.note}`}\n`);
}

/** Lines of a snapshot diff printed under its failed gate; report.md has it whole. */
const SNAPSHOT_DIFF_LINES = 30;

/**
 * One line per scenario new since REF (not compared), then one per judged pair: the paired ratio
 * with its interval, the rounds behind it and the smallest slowdown this run could see. An A/A interval that excludes 1 makes every latency
 * verdict of the run suspect, and says so.
 */
export function pairLines(result: RunResult): string[] {
  const ref = result.against?.ref ?? 'REF';
  const newSinceRef = (result.against?.newScenarios ?? []).map((n) => `new since ${ref} ${n.dialect} ${n.scenario}: not compared (${ref} answered 404/405 where the working tree answered 200)`);
  return [...belowSrcNotes(result.against).map((note) => `${note.head}${note.rest}`), ...newSinceRef, ...(result.pairs ?? []).map(pairLine)];
}

function pairLine(p: PairedComparison): string {
  const ci = `[${p.ci[0].toFixed(3)}, ${p.ci[1].toFixed(3)}]`;
  const head = `${p.kind === 'aa' ? 'A/A' : 'paired'} ${p.dialect} ${p.scenario}: ${p.subject} / ${p.reference} = ${p.ratio.toFixed(3)}x ${ci} (${Math.round(p.confidence * 100)}%, ${p.rounds} rounds; smallest detectable slowdown ${(p.mde * 100).toFixed(1)}%)`;
  if (p.kind === 'aa') {
    const unreliable = p.ci[0] > 1 || p.ci[1] < 1;
    return unreliable ? `${head}: WARNING the implementation differs from a copy of itself; latency verdicts of this run are unreliable` : `${head}: noise floor`;
  }
  return `${head}: ${p.verdict === 'slower' ? `SLOWER than ${p.reference}` : p.verdict === 'faster' ? `faster than ${p.reference}` : 'no slowdown found'}${mdeNote(p)}`;
}
