import { describeReason } from '../harness/judge/verdict.js';
import type { ComparedPair, Comparison, DetectableAt, LatencyChange, RunIdentity } from '../harness/judge/compare.js';
import { formatCount, formatInterval, formatMs, formatRatio } from '../harness/core/format.js';
import { inlineCode, markdownTable, truncate, type Align } from './markdown.js';

/** How many of AFTER's own failing reasons the comparison lists. */
const AFTER_REASONS_SHOWN = 3;

/** A comparison as markdown, verdict first; stable for the same comparison. */
export function renderComparisonMarkdown(c: Comparison): string {
  const { before, after, options } = c;
  const afterFails = c.afterVerdict.outcome !== 'pass';
  const afterReasons = c.afterVerdict.reasons.filter((r) => r.kind !== 'errored').map(describeReason);
  const headline = c.regressed ? 'REGRESSION' : c.afterVerdict.outcome === 'fail' ? 'FAIL' : c.missingEvidence.length > 0 || afterFails ? 'MISSING EVIDENCE' : 'no regression';
  const limit = formatRatio(1 + options.thresholdPct / 100);
  const lines = [
    `# querygate compare: ${headline}`,
    '',
    c.regressed
      ? `**REGRESSION**: ${c.regressions.length} found, ${inlineCode(before.implUnderTest)} (before) -> ${inlineCode(after.implUnderTest)} (after).`
      : c.afterVerdict.outcome === 'fail'
        ? `**FAIL**: no regression against before, but ${inlineCode(after.implUnderTest)} (after) fails as a run of its own.`
        : c.missingEvidence.length > 0 || afterFails
        ? `**MISSING EVIDENCE**: no verdict, ${inlineCode(before.implUnderTest)} (before) -> ${inlineCode(after.implUnderTest)} (after); missing evidence does not pass.`
        : `**No regression**: ${inlineCode(before.implUnderTest)} (before) -> ${inlineCode(after.implUnderTest)} (after).`,
  ];
  if (c.regressions.length > 0) lines.push('', ...c.regressions.map((r) => `- ${r}`));
  if (c.missingEvidence.length > 0) lines.push('', ...c.missingEvidence.map((m) => `- missing evidence: ${m}`));
  if (afterReasons.length > 0) {
    const shown = afterReasons.slice(0, AFTER_REASONS_SHOWN).map((r) => `- after, as a run: ${r}`);
    if (afterReasons.length > AFTER_REASONS_SHOWN) shown.push(`- after, as a run: ${afterReasons.length - AFTER_REASONS_SHOWN} more (\`querygate report\` of it lists them)`);
    lines.push('', ...shown);
  }
  if (c.findings.length > 0) lines.push('', ...c.findings.map((f) => `- finding: ${f}`));
  if (c.warnings.length > 0) lines.push('', ...c.warnings.map((w) => `- warning: ${w}`));
  lines.push('', sensitivityLine(c));
  lines.push(
    '',
    `Before: ${describeRun(before)}.`,
    `After: ${describeRun(after)}.`,
    '',
    `Ratios are after / before. A latency regresses when the whole interval (${Math.round(options.confidence * 100)}% family-wise ` +
      `over the latency checks of the implementation under test, Bonferroni) ` +
      `lies above ${limit} (${options.iterations} bootstrap resamples of the raw samples, seed ${options.seed}); ` +
      'any growth of queries per request regresses, in the scenario\'s maximum or in any request kind. Where both runs measured the ' +
      'drift probe (a trivial statement the harness owns, timed through the same driver outside the code under test), the verdict ' +
      'reads the drift-corrected ratio: the change divided by the probe\'s change between the runs, so that a machine that got ' +
      'slower between runs does not pass for a slower implementation. The floor is not the yardstick: it shares code with the ' +
      'implementations, and a floor that moved beyond the drift is a finding.',
  );

  const underTest = c.pairs.filter((p) => p.role === 'under-test');
  const others = c.pairs.filter((p) => p.role === 'same-name');
  if (underTest.length > 0) {
    const title = before.implUnderTest === after.implUnderTest
      ? `## Implementation under test: ${after.implUnderTest}`
      : `## Implementation under test: ${before.implUnderTest} -> ${after.implUnderTest}`;
    lines.push('', title, '', pairTable(underTest, false));
  }
  if (others.length > 0) {
    lines.push('', '## Other implementations (same name in both runs, not gating)', '', pairTable(others, true));
    const otherRegressions = others.flatMap((p) => p.regressions);
    if (otherRegressions.length > 0) lines.push('', ...otherRegressions.map((r) => `- also: ${r}`));
  }

  const shapes = c.pairs.filter((p) => p.newFingerprints.length + p.grownFingerprints.length + p.grownRequestKinds.length + p.newFullScans.length > 0);
  if (shapes.length > 0) {
    lines.push('', '## Query shapes');
    for (const p of shapes) {
      const impls = p.beforeImpl === p.afterImpl ? p.afterImpl : `${p.beforeImpl} -> ${p.afterImpl}`;
      lines.push('', `### ${p.scenario} on ${p.dialect}: ${impls}`, '');
      lines.push(...p.newFingerprints.map((f) => `- new: ${sql(f.sql)}, ${formatCount(f.count)} per request`));
      lines.push(...p.grownRequestKinds.map((k) => `- request kind ${inlineCode(k.label)}: ${formatCount(k.before)} -> ${formatCount(k.after)} statements`));
      lines.push(...p.grownFingerprints.map((f) => `- grew: ${sql(f.sql)}, ${formatCount(f.before)} -> ${formatCount(f.after)} per request`));
      lines.push(...p.newFullScans.map((s) => `- now reads in full: ${s.tables.join(', ')}, in ${sql(s.fingerprint)}`));
    }
  }

  const problems = c.pairs.filter((p) => p.problems.length > 0);
  if (problems.length > 0 || c.unpaired.length > 0) {
    lines.push('', '## Not compared', '');
    lines.push(...problems.map((p) => `- ${p.scenario} on ${p.dialect}, ${p.beforeImpl} -> ${p.afterImpl}: ${p.problems.join('; ')}`));
    lines.push(...c.unpaired.map((u) => `- only ${u.run}: ${u.impl}, ${u.scenario} on ${u.dialect}`));
  }
  return `${lines.join('\n')}\n`;
}

function sensitivityLine(c: Comparison): string {
  const s = c.sensitivity;
  const against = 'measure smaller changes side by side in one run with `npx querygate run --against REF`.';
  if (s === null) return `Sensitivity: none measured (no pair under test with raw samples on both sides); ${against}`;
  const at = (d: DetectableAt): string => `${formatRatio(d.ratio)} (${d.scenario}, ${d.dialect})`;
  const range = s.best.ratio === s.worst.ratio && s.best.scenario === s.worst.scenario && s.best.dialect === s.worst.dialect
    ? `from ${at(s.best)}`
    : `from ${at(s.best)} to ${at(s.worst)}`;
  return `Sensitivity: with these two runs' spreads a p50 slowdown is flagged with 95% power ${range}; smaller slowdowns pass unseen: ${against}`;
}

function describeRun(run: RunIdentity): string {
  const commit = run.gitCommit === null ? 'commit unknown' : `commit ${inlineCode(run.gitCommit.slice(0, 12))}${run.gitDirty === true ? ' (dirty)' : ''}`;
  return `${run.startedAt}, ${commit}, under test ${inlineCode(run.implUnderTest)}, fixture ${run.fixture.profile} seed ${run.fixture.seed}`;
}

function pairTable(pairs: readonly ComparedPair[], withImpl: boolean): string {
  const header = ['scenario', 'database', ...(withImpl ? ['impl'] : []), 'p50 ms', 'p50 after/before', 'p95 ms', 'p95 after/before', 'queries/request', 'verdict'];
  const align: Align[] = ['left', 'left', ...(withImpl ? ['left' as const] : []), 'right', 'right', 'right', 'right', 'right', 'left'];
  const rows = pairs.map((p) => {
    const impl = withImpl ? [p.afterImpl] : [];
    if (p.problems.length > 0) return [p.scenario, p.dialect, ...impl, '-', '-', '-', '-', '-', p.regressions.length > 0 ? 'REGRESSION (errored)' : 'not compared'];
    const q = p.queriesPerRequest;
    return [
      p.scenario,
      p.dialect,
      ...impl,
      ...latencyCells(p.p50),
      ...latencyCells(p.p95),
      q === null ? '-' : `${formatCount(q.before)} -> ${formatCount(q.after)}`,
      verdict(p),
    ];
  });
  return markdownTable(header, rows, align);
}

function latencyCells(change: LatencyChange | null): [string, string] {
  if (change === null) return ['-', '-'];
  const raw = change.ci === null
    ? `${formatRatio(change.ratio)} (no raw samples, no interval)`
    : `${formatRatio(change.ratio)} ${formatInterval(change.ci, formatRatio)}`;
  const { corrected, driftNotCorrected } = change;
  const ratio = driftNotCorrected !== undefined
    ? `${raw}; not drift-corrected (the probe's ${formatRatio(driftNotCorrected.probe.ratio)} ${formatInterval(driftNotCorrected.probe.ci, formatRatio)} is less precise)`
    : corrected === undefined
      ? raw
      : `${raw}; drift-corrected ${formatRatio(corrected.ratio)} ${formatInterval(corrected.ci, formatRatio)}${change.ci !== null && corrected.ci[1] / corrected.ci[0] > change.ci[1] / change.ci[0] ? ' (wider: the probe\'s own spread)' : ''}`;
  return [`${formatMs(change.before)} -> ${formatMs(change.after)}`, ratio];
}

function verdict(p: ComparedPair): string {
  if (p.regressions.length > 0) return 'REGRESSION';
  const faster = p.p50?.verdict === 'improved' || p.p95?.verdict === 'improved';
  const fewer = p.queriesPerRequest !== null && p.queriesPerRequest.after < p.queriesPerRequest.before;
  if (faster && fewer) return 'faster, fewer queries';
  if (faster) return 'faster';
  if (fewer) return 'fewer queries';
  return 'ok';
}

function sql(text: string): string {
  return inlineCode(truncate(text, 140));
}
