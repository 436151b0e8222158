import { isNewSinceRef } from '../harness/core/new-since-ref.js';
import type { AgainstInfo, GateResult, PairedComparison, RunResult, ScenarioResult } from '../harness/core/result.js';
import { formatCount, formatInterval, formatMs, formatRatio, formatSeconds } from '../harness/core/format.js';
import { groupResults, type ResultGroup } from '../harness/core/result-groups.js';
import { runVerdict } from '../harness/judge/judge-run.js';
import { describeReason, type Outcome } from '../harness/judge/verdict.js';
import { inlineCode, markdownTable, truncate } from './markdown.js';

/**
 * What a reviewer reads first, in one screen: the verdict, what failed with its evidence (one
 * finding per cause, with its count), and a compact matrix of scenario x database. The summary
 * form (pull-request comment, step summary) is this and the list of gates folded away; the full
 * report (artifact, note) goes on with everything else folded under it.
 */

/** GitHub's comments take 65,536 characters; the summary form keeps well under, for its neighbours in a step summary too. */
export const SUMMARY_MAX_CHARS = 20_000;

/** The places a finding names before "and N more". */
const WHERE_SHOWN = 6;
/** Lines of a snapshot diff shown as a finding's evidence. */
const DIFF_LINES_SHOWN = 30;

const HEADLINE: Record<Outcome, string> = { pass: 'PASS', fail: 'FAIL', 'missing-evidence': 'NO VERDICT' };

/** The verdict in one heading and one line: what decided it, on what, against what. */
export function verdictHead(run: RunResult, level = '#'): string {
  const verdict = runVerdict(run);
  const headline = HEADLINE[verdict.outcome];
  const gates = run.results.flatMap((r) => r.gates);
  const failed = gates.filter((g) => !g.pass).length;
  const against = run.against === undefined ? '' : ` against ${inlineCode(run.against.ref)} (${run.against.sha.slice(0, 12)})`;
  const facts = [`${failed} of ${gates.length} gates failed`];
  const errored = run.results.filter((r) => r.state === 'errored').length;
  if (errored > 0) facts.push(`${errored} of ${run.results.length} results errored`);
  if (run.errors.length > 0) facts.push(`${run.errors.length} run ${run.errors.length === 1 ? 'error' : 'errors'}`);
  const findings = findingsOf(run).length;
  if (findings > 0) facts.push(`${findings} ${findings === 1 ? 'finding' : 'findings'}`);
  const commit = run.environment.gitCommit;
  return [
    `${level} querygate: ${headline}`,
    '',
    `**${headline}**: ${facts.join(', ')}; implementation under test ${inlineCode(run.implUnderTest)}${against}. ` +
      `Fixture ${inlineCode(run.fixture.profile)} seed ${run.fixture.seed}, commit ${commit === null ? 'unknown' : inlineCode(commit.slice(0, 12))}` +
      `${run.environment.gitDirty === true ? ' (dirty)' : ''}, started ${run.startedAt}, took ${formatSeconds(run.durationMs)}.`,
    ...notMeasured(run),
  ].join('\n');
}

/**
 * What differs below src/ between REF and the working tree, and how each side ran, each as a head
 * and the rest of its sentence, with `code` marking names: said under the verdict and on stdout,
 * never left silent (a result written before REF got its own dependencies says "not measured").
 */
export function belowSrcNotes(against: AgainstInfo | undefined, code: (text: string) => string = (text) => text): { head: string; rest: string }[] {
  if (against === undefined) return [];
  const ref = code(against.ref);
  const notes: { head: string; rest: string }[] = [];
  const changes = against.dependencyChanges ?? [];
  if (against.ownDependencies !== undefined) {
    const how = against.ownDependencies.installed ? `installed from its lockfile by this run in ${formatSeconds(against.ownDependencies.installMs)}` : 'installed from its lockfile (reused)';
    notes.push({ head: 'Dependencies differ', rest: ` from ${ref}${changes.length === 0 ? ' (the lockfile only)' : ` (${changes.join(', ')})`}: each side ran with its own, ${ref}'s ${how}.` });
  } else if (changes.length > 0) {
    notes.push({
      head: 'Not measured',
      rest: `: the dependencies differ from ${ref} (${changes.join(', ')}), but both sides ran with the working tree's ${code('node_modules')}: a slowdown that lives in a dependency is not in these figures.`,
    });
  }
  if (against.databaseSettingsDifference !== undefined) {
    notes.push({ head: 'Database settings differ', rest: ` from ${ref} (${against.databaseSettingsDifference.join(', ')}): each side ran with its own.` });
  }
  return notes;
}

function notMeasured(run: RunResult): string[] {
  return belowSrcNotes(run.against, inlineCode).flatMap((note) => ['', `**${note.head}**${note.rest}`]);
}

/** One cause: the gate (or reason) that failed, every place it failed, and the evidence of the first. */
interface Finding {
  title: string;
  places: string[];
  evidence: string[];
}

/** The failed gates grouped by gate, then the other reasons (errors, missing evidence) grouped by their message. */
export function findingsOf(run: RunResult): Finding[] {
  const byGate = new Map<string, { result: ScenarioResult; gate: GateResult }[]>();
  for (const result of run.results) {
    for (const gate of result.gates) if (!gate.pass) byGate.set(gate.id, [...(byGate.get(gate.id) ?? []), { result, gate }]);
  }
  const findings: Finding[] = [...byGate].map(([id, failed]) => {
    const first = failed[0] as { result: ScenarioResult; gate: GateResult };
    return {
      title: `${inlineCode(id)} failed`,
      places: failed.map(({ result, gate }) => `${result.scenario} on ${result.dialect} (${gate.actual}; threshold ${gate.threshold})`),
      evidence: gateEvidence(first.result, first.gate),
    };
  });
  const others = new Map<string, Finding>();
  for (const reason of runVerdict(run).reasons.filter((r) => r.kind !== 'gate')) {
    const key = `${reason.kind}\u0000${reason.message}`;
    const finding = others.get(key) ?? { title: oneLine(describeReason({ kind: reason.kind, message: reason.message })), places: [], evidence: [] };
    if (reason.where !== undefined) finding.places.push(reason.where);
    others.set(key, finding);
  }
  return [...findings, ...others.values()];
}

/** What shows why a gate failed: its message (with the interval it judged), and the statement diff of a snapshot gate. */
function gateEvidence(result: ScenarioResult, gate: GateResult): string[] {
  const lines = [`> ${truncate(oneLine(gate.message), 400)}`];
  const diff = gate.id === 'same-queries-as-snapshot' ? result.queries.snapshot?.diff : undefined;
  if (diff !== undefined) {
    const diffLines = diff.split('\n');
    const shown = diffLines.slice(0, DIFF_LINES_SHOWN).map((line) => truncate(line, 200));
    if (diffLines.length > DIFF_LINES_SHOWN) shown.push(`... ${diffLines.length - DIFF_LINES_SHOWN} more lines in the full report`);
    lines.push('', `Against ${inlineCode(result.queries.snapshot?.file ?? 'the snapshot')} (- snapshot, + this run):`, '', '```diff', ...shown, '```');
  }
  return lines;
}

/** Findings the summary form lists before "and N more": the rest are in the full report. */
const FINDINGS_SHOWN = 12;

export function findingsSection(run: RunResult, level = '##', shown = Number.POSITIVE_INFINITY): string | null {
  const findings = findingsOf(run);
  if (findings.length === 0) return null;
  const parts = [`${level} What failed`];
  for (const finding of findings.slice(0, shown)) {
    const shown = finding.places.slice(0, WHERE_SHOWN).join(', ');
    const more = finding.places.length > WHERE_SHOWN ? `, and ${finding.places.length - WHERE_SHOWN} more` : '';
    const where = finding.places.length === 0 ? '' : ` in ${finding.places.length} ${finding.places.length === 1 ? 'place' : 'places'}: ${shown}${more}`;
    parts.push('', `- **${finding.title}**${where}.`);
    if (finding.evidence.length > 0) parts.push('', ...finding.evidence.map((line) => (line === '' ? '' : `  ${line}`)));
  }
  if (findings.length > shown) parts.push('', `And ${findings.length - shown} more findings, in the full report.`);
  return parts.join('\n');
}

/** The paired comparison that judges the implementation under test in a group: against REF, else against the baseline. */
function judgingPair(run: RunResult, group: ResultGroup): PairedComparison | undefined {
  const pairs = (run.pairs ?? []).filter((p) => p.scenario === group.scenario && p.dialect === group.dialect && p.subject === run.implUnderTest);
  return pairs.find((p) => p.kind === 'against') ?? pairs.find((p) => p.kind === 'baseline');
}

/**
 * The reference cell: the paired ratio with its interval where one was measured, else the unpaired
 * ratio to the baseline; first, for a scenario REF cannot serve, that it was not compared with REF.
 */
function comparedCell(run: RunResult, group: ResultGroup, tested: ScenarioResult): string {
  const cell = baselineCell(run, group, tested);
  if (run.against === undefined || !isNewSinceRef(run, group)) return cell;
  const newSince = `new since ${inlineCode(run.against.ref)}: not compared`;
  return cell === '-' ? newSince : `${newSince}; ${cell}`;
}

function baselineCell(run: RunResult, group: ResultGroup, tested: ScenarioResult): string {
  const pair = judgingPair(run, group);
  if (pair !== undefined && pair.rounds > 0) {
    return `${formatRatio(pair.ratio)} ${formatInterval(pair.ci, formatRatio)} vs ${inlineCode(pair.reference)} (paired, ${pair.rounds} rounds)`;
  }
  const ratio = run.ratios.find((r) => r.scenario === group.scenario && r.dialect === group.dialect && r.numerator === tested.impl && r.denominator === 'baseline');
  return ratio === undefined ? '-' : `${formatRatio(ratio.p50)} ${formatInterval(ratio.p50Ci, formatRatio)} vs ${inlineCode('baseline')} (unpaired)`;
}

/** Scenario x database: the gates, the latency and what it is judged against, and the statements, of the implementation under test. */
export function matrixSection(run: RunResult, level = '##'): string | null {
  const rows: string[][] = [];
  for (const group of groupResults(run.results)) {
    const tested = group.results.find((r) => r.impl === run.implUnderTest);
    if (tested === undefined) continue;
    const baseline = group.results.find((r) => r.impl === 'baseline' && r.state === 'completed');
    if (tested.state === 'errored') {
      rows.push([group.scenario, group.dialect, '**errored**', '-', '-', '-']);
      continue;
    }
    const failed = tested.gates.filter((g) => !g.pass).length;
    const gates = tested.gates.length === 0 ? '-' : failed === 0 ? `pass ${tested.gates.length}/${tested.gates.length}` : `**FAIL** ${failed} of ${tested.gates.length}`;
    const statements = `${formatCount(tested.queries.perRequest)}${baseline === undefined || baseline === tested ? '' : ` (baseline ${formatCount(baseline.queries.perRequest)})`}`;
    rows.push([group.scenario, group.dialect, gates, `${formatMs(tested.latencyMs.p50)} / ${formatMs(tested.latencyMs.p95)}`, comparedCell(run, group, tested), statements]);
  }
  if (rows.length === 0) return null;
  return [
    `${level} ${inlineCode(run.implUnderTest)} per scenario`,
    '',
    'Ratios are the implementation under test over its reference (below 1x: faster), with their 99% (paired) or 95% (unpaired) interval.',
    '',
    markdownTable(['scenario', 'database', 'gates', 'p50 / p95 ms', 'p50 against', 'statements / request'], rows, ['left', 'left', 'left', 'right', 'left', 'right']),
  ].join('\n');
}

/** Every gate of the implementation under test, folded: what a reviewer opens when the matrix is not enough. */
export function gatesDetails(run: RunResult): string {
  const rows = run.results.flatMap((r) => r.gates.map((g) => [g.id, r.scenario, r.dialect, g.threshold, g.actual, g.pass ? 'pass' : '**FAIL**']));
  return details(`All ${rows.length} gates`, rows.length === 0 ? 'No gates applied.' : markdownTable(['gate', 'scenario', 'database', 'threshold', 'actual', 'result'], rows));
}

/** A folded block of GitHub-flavoured markdown: blank lines around the content so that it renders as markdown. */
export function details(summary: string, content: string): string {
  return `<details><summary>${summary}</summary>\n\n${content}\n\n</details>`;
}

/**
 * The summary form: verdict, findings, matrix and the folded gates, under
 * {@link SUMMARY_MAX_CHARS}. What does not fit is left to the full report, and said so.
 */
export function renderSummary(run: RunResult, options: { fullReport?: string | undefined } = {}): string {
  const pointer = `The full report (plans, distributions, environment): ${options.fullReport ?? '`report.md` beside the result'}.`;
  const head = [verdictHead(run, '##'), findingsSection(run, '###', FINDINGS_SHOWN), matrixSection(run, '###')].filter((s): s is string => s !== null);
  const whole = [...head, gatesDetails(run), pointer].join('\n\n');
  if (whole.length <= SUMMARY_MAX_CHARS) return `${whole}\n`;
  const cut = `\n\n(Cut to ${SUMMARY_MAX_CHARS.toLocaleString('en-US')} characters.) ${pointer}\n`;
  const kept = [...head].join('\n\n');
  return `${kept.length + cut.length <= SUMMARY_MAX_CHARS ? kept : cutAtLine(kept, SUMMARY_MAX_CHARS - cut.length)}${cut}`;
}

/** Text cut at the last whole line that fits, with any code fence it opened closed again. */
function cutAtLine(text: string, max: number): string {
  const lines: string[] = [];
  let length = 0;
  for (const line of text.split('\n')) {
    if (length + line.length + 1 > max - 4) break;
    lines.push(line);
    length += line.length + 1;
  }
  const fences = lines.filter((line) => line.trimStart().startsWith('```')).length;
  return `${lines.join('\n')}${fences % 2 === 1 ? '\n```' : ''}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
