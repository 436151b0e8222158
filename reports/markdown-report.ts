import { snapshotStatement } from '../harness/instrument/fingerprint.js';
import type { QueryPlan, RatioResult, RunResult, ScenarioResult } from '../harness/core/result.js';
import { formatCount, formatInterval, formatMs, formatRatio } from '../harness/core/format.js';
import { MIN_FLOOR_SAMPLES } from '../harness/core/defaults.js';
import { thresholdsOf } from '../harness/judge/judge-run.js';
import { latencyChart } from './latency-chart.js';
import { inlineCode, markdownTable, truncate, type Align } from './markdown.js';
import { pairedSection } from './paired-report.js';
import { minSamplesForQuantileInterval } from '../harness/stats/quantile-interval.js';
import { p95EstimateOf } from '../harness/judge/gates.js';
import { exactCostSection, planFingerprint } from './exact-cost-report.js';
import { planLine } from '../harness/judge/plan-summary.js';
import { renderScalingSummary } from './scaling-report.js';
import { dialectsOf, groupResults, type ResultGroup } from '../harness/core/result-groups.js';
import { details, findingsSection, gatesDetails, matrixSection, verdictHead } from './summary-report.js';

/** The implementation that the before/after section compares the one under test with. */
export const baselineImpl = 'baseline';
/** The database's measurement floor (its fastest query), when the run measured one. */
export const floorImpl = 'floor';

/**
 * The run as GitHub-flavoured markdown that also reads well in a terminal, in the order a
 * reviewer needs it: the verdict, what failed with its evidence, the implementation under test
 * per scenario, before and after; then, folded, everything else (all gates, results per scenario,
 * N+1 findings, plans, exact costs, charts, environment, fixture). Stable: the same result gives
 * the same text (no clock is read).
 */
export interface MarkdownOptions {
  /**
   * Where the repository's files are browsed, `https://github.com/OWNER/NAME` (from
   * GITHUB_SERVER_URL and GITHUB_REPOSITORY in CI): call sites then link to their line at the
   * measured commit. Absent: links relative to the checkout's root.
   */
  repositoryUrl?: string | undefined;
}

/** The repository's address from GitHub Actions' variables, when both are there and well-formed. */
export function repositoryUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const [server, repository] = [env['GITHUB_SERVER_URL'], env['GITHUB_REPOSITORY']];
  if (server === undefined || repository === undefined) return undefined;
  if (!/^https:\/\/[\w.-]+(:\d+)?\/?$/.test(server) || !/^[\w.-]+\/[\w.-]+$/.test(repository)) return undefined;
  return `${server.replace(/\/$/, '')}/${repository}`;
}

export function renderMarkdown(result: RunResult, options: MarkdownOptions = {}): string {
  const sections = [
    verdictHead(result),
    findingsSection(result),
    matrixSection(result),
    beforeAfterSection(result),
    pairedSection(result) || null,
    conditionsSection(result),
    gatesDetails(result),
    fold(resultsSection(result)),
    fold(result.scaling === undefined ? null : renderScalingSummary(result.scaling)),
    fold(n1Section(result, options.repositoryUrl)),
    fold(plansSection(result)),
    fold(exactCostSection(result)),
    fold(chartSection(result)),
    fold(environmentSection(result)),
    fold(fixtureSection(result)),
  ];
  return `${sections.filter((s): s is string => s !== null).join('\n\n')}\n`;
}

/** A section ("## Title" and its body) folded under its title. */
function fold(section: string | null): string | null {
  if (section === null || section === '') return null;
  const [title, ...body] = section.split('\n');
  return details((title ?? '').replace(/^#+\s*/, ''), body.join('\n').trim());
}

/** A warning when other querygate runs measured on this machine at the same time; null when none did. */
export function disturbedNote(result: RunResult): string | null {
  const others = result.environment.disturbedBy ?? [];
  if (others.length === 0) return null;
  const who = others.map((o) => `pid ${o.pid} (${inlineCode(o.command || 'querygate')}, ${o.from} to ${o.until})`).join(', ');
  return (
    `**Latency disturbed**: ${others.length} other querygate ${others.length === 1 ? 'process' : 'processes'} measured on this machine at the same time: ${who}. ` +
    'The latencies below shared the CPU with them; statement and row counts are not affected.'
  );
}

const STOPPED_BY: Record<NonNullable<ScenarioResult['stoppedBy']>, string> = {
  precision: 'when the judged figure was precise enough (its interval within the target)',
  budget: 'at the time budget (the judged figure had not yet reached its target precision)',
  samples: 'at the sample cap of the judged implementations',
};

function resultsSection(result: RunResult): string {
  const parts = [
    '## Results',
    '',
    'Latency in ms over the n raw samples; the interval of p95 is distribution-free (order statistics), and there is none below ' +
      `n = ${minSamplesForQuantileInterval(95)}. Queries and rows per request (max over requests).`,
  ];
  const disturbed = disturbedNote(result);
  if (disturbed !== null) parts.push('', disturbed);
  for (const group of groupResults(result.results)) {
    parts.push('', `### ${group.scenario} on ${group.dialect}`, '', resultTable(result, group));
    const stopped = group.results.find((r) => r.stoppedBy !== undefined)?.stoppedBy;
    if (stopped !== undefined) parts.push('', `Sampling ended ${STOPPED_BY[stopped]}.`);
    const notes = group.results.flatMap(resultNotes);
    if (notes.length > 0) parts.push('', ...notes);
  }
  return parts.join('\n');
}

function resultTable(run: RunResult, group: ResultGroup): string {
  const floor = findFloor(run, group);
  const header = ['impl', 'n', 'p50', 'p95 [95% CI]', 'p99', 'queries/request', 'rows/request'];
  const align: Align[] = ['left', 'right', 'right', 'right', 'right', 'right', 'right'];
  if (floor !== undefined) {
    header.push(`p50 / ${floorImpl}`);
    align.push('right');
  }
  const rows = group.results.map((r) => {
    const name = r.impl === run.implUnderTest ? `${r.impl} (under test)` : r.impl;
    if (r.state === 'errored') return [name, String(r.samples), 'errored', '-', '-', '-', '-', ...(floor ? ['-'] : [])];
    const { p50, p95, p95Ci, p99 } = r.latencyMs;
    const queries = r.queries.perRequestMin === r.queries.perRequest
      ? formatCount(r.queries.perRequest)
      : `${formatCount(r.queries.perRequest)} (min ${formatCount(r.queries.perRequestMin)})`;
    const row = [name, String(r.samples), formatMs(p50), p95Cell(p95, p95Ci, r), formatMs(p99), queries, formatCount(r.rowsPerRequest)];
    if (floor !== undefined) row.push(r === floor || floor.samples < MIN_FLOOR_SAMPLES ? '-' : formatRatio(p50 / floor.latencyMs.p50));
    return row;
  });
  const table = markdownTable(header, rows, align);
  return floor !== undefined && floor.samples < MIN_FLOOR_SAMPLES
    ? `${table}\n\nNo ratio to ${floorImpl}: it has n = ${floor.samples}, too few for its p50 to divide by (at least ${MIN_FLOOR_SAMPLES}).`
    : table;
}


/**
 * p95 with the interval its gate reads (from the raw samples), else the result's stored one, else
 * (a result without raw samples) the stored bootstrap interval, marked as such.
 */
function p95Cell(p95: number, bootstrapCi: [number, number], r: ScenarioResult): string {
  const estimate = r.rawSamples.length > 0 ? p95EstimateOf(r) : r.p95Interval;
  if (estimate === undefined) return `${formatMs(p95)} ${formatInterval(bootstrapCi)} (bootstrap)`;
  if (estimate.ci === null) return `${formatMs(p95)} (n too small for an interval)`;
  return `${formatMs(p95)} ${formatInterval(estimate.ci)}`;
}

/** The floor of the same scenario and database, else any floor measured on that database. */
function findFloor(run: RunResult, group: ResultGroup): ScenarioResult | undefined {
  const floors = run.results.filter((r) => r.impl === floorImpl && r.dialect === group.dialect && r.state === 'completed' && r.latencyMs.p50 > 0);
  return floors.find((r) => r.scenario === group.scenario) ?? floors[0];
}

function resultNotes(r: ScenarioResult): string[] {
  const notes: string[] = [];
  if (r.state === 'errored') notes.push(`- ${inlineCode(r.impl)} errored: ${oneLine(r.error ?? 'no error message')}`);
  if (r.sameResponse === false) {
    notes.push(`- ${inlineCode(r.impl)} answered differently from the reference${r.responseDiff === undefined ? '' : `: ${oneLine(r.responseDiff)}`}`);
  }
  if (r.queries.transactionControl > 0 && r.state === 'completed') {
    notes.push(`- ${inlineCode(r.impl)}: ${r.queries.transactionControl} of its ${formatCount(r.queries.perRequest)} statements per request are transaction control (BEGIN/COMMIT).`);
  }
  if (r.uninstrumentedP50Ms !== undefined && r.state === 'completed') {
    const overhead = r.uninstrumentedP50Ms > 0 ? (r.latencyMs.p50 / r.uninstrumentedP50Ms - 1) * 100 : 0;
    // Two p50s of one run, no interval: a negative difference is noise, never a negative cost.
    const said = overhead > 0 ? `overhead ${overhead.toFixed(1)}%, without an interval` : 'no overhead measurable in this run: the bare copy was not faster';
    notes.push(
      `- ${inlineCode(r.impl)}: p50 without instrumentation ${formatMs(r.uninstrumentedP50Ms)} ms, instrumented ${formatMs(r.latencyMs.p50)} ms (${said}; \`npm run bench:overhead\` measures it paired).`,
    );
  }
  if (r.aaRatio !== undefined && r.state === 'completed') {
    notes.push(
      `- noise floor (A/A: ${inlineCode(r.impl)} against a copy of itself, same turns): p50 ratio ${formatRatio(r.aaRatio.p50)} ${formatInterval(r.aaRatio.p50Ci, formatRatio)}, p95 ratio ${formatRatio(r.aaRatio.p95)} ${formatInterval(r.aaRatio.p95Ci, formatRatio)}; a latency change inside this is noise.`,
    );
  }
  return notes;
}

interface Speedup {
  value: number;
  ci: [number, number] | null;
  /** Of the per-round ratios of a pair measured side by side, at this confidence; else of the two sides' percentiles. */
  pairedConfidence?: number;
}

/** The p50 speedup from the baseline pair measured side by side in the same rounds (its 99% interval), when there is one. */
function pairedSpeedup(run: RunResult, group: ResultGroup, underTest: string): Speedup | undefined {
  const pair = (run.pairs ?? []).find(
    (p) => p.kind === 'baseline' && p.scenario === group.scenario && p.dialect === group.dialect && p.subject === underTest && p.reference === baselineImpl && p.rounds > 0,
  );
  return pair === undefined ? undefined : { value: 1 / pair.ratio, ci: [1 / pair.ci[1], 1 / pair.ci[0]], pairedConfidence: pair.confidence };
}

/** baseline / impl under test, whichever way round the run stored the ratio. */
function speedup(ratios: readonly RatioResult[], group: ResultGroup, underTest: string, baseline: ScenarioResult, tested: ScenarioResult, key: 'p50' | 'p95'): Speedup {
  const same = (r: RatioResult): boolean => r.scenario === group.scenario && r.dialect === group.dialect;
  const direct = ratios.find((r) => same(r) && r.numerator === baselineImpl && r.denominator === underTest);
  if (direct !== undefined) return { value: direct[key], ci: direct[`${key}Ci`] };
  const inverse = ratios.find((r) => same(r) && r.numerator === underTest && r.denominator === baselineImpl);
  if (inverse !== undefined) {
    const [lo, hi] = inverse[`${key}Ci`];
    return { value: 1 / inverse[key], ci: [1 / hi, 1 / lo] };
  }
  return { value: baseline.latencyMs[key] / tested.latencyMs[key], ci: null };
}

function beforeAfterSection(run: RunResult): string | null {
  const underTest = run.implUnderTest;
  if (underTest === baselineImpl) return null;
  const rows: string[][] = [];
  for (const group of groupResults(run.results)) {
    const baseline = group.results.find((r) => r.impl === baselineImpl && r.state === 'completed');
    const tested = group.results.find((r) => r.impl === underTest && r.state === 'completed');
    if (baseline === undefined || tested === undefined) continue;
    const cells = (key: 'p50' | 'p95'): string[] => {
      const s = (key === 'p50' ? pairedSpeedup(run, group, underTest) : undefined) ?? speedup(run.ratios, group, underTest, baseline, tested, key);
      const figure = s.ci === null ? `${formatRatio(s.value)} (no interval)` : `${formatRatio(s.value)} ${formatInterval(s.ci, formatRatio)}`;
      return [`${formatMs(baseline.latencyMs[key])} -> ${formatMs(tested.latencyMs[key])}`, s.pairedConfidence === undefined ? figure : `${figure} paired, ${Math.round(s.pairedConfidence * 100)}%`];
    };
    rows.push([
      group.scenario,
      group.dialect,
      ...cells('p50'),
      ...cells('p95'),
      `${formatCount(baseline.queries.perRequest)} -> ${formatCount(tested.queries.perRequest)}`,
      `${formatCount(baseline.rowsPerRequest)} -> ${formatCount(tested.rowsPerRequest)}`,
      `${baseline.samples} -> ${tested.samples}`,
    ]);
  }
  if (rows.length === 0) return null;
  const header = ['scenario', 'database', 'p50 ms', 'p50 speedup [CI]', 'p95 ms', 'p95 speedup [95% CI]', 'queries/request', 'rows/request', 'n'];
  return [
    `## Before and after: ${baselineImpl} -> ${underTest}`,
    '',
    `Speedup is ${baselineImpl} latency over ${underTest} latency (above 1x: ${underTest} is faster). Unpaired unless marked paired: the ratio of the two ` +
      `sides' percentiles over all their samples, with its 95% bootstrap interval. Paired (with its confidence): from the per-round ratios of the two measured side by side in the same rounds.`,
    '',
    markdownTable(header, rows, ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right']),
  ].join('\n');
}

function n1Section(run: RunResult, repositoryUrl: string | undefined): string {
  const withSuspects = groupResults(run.results).flatMap((g) => g.results).filter((r) => r.queries.n1Suspects.length > 0);
  if (withSuspects.length === 0) return '## N+1 findings\n\nNo statement repeats per request like an N+1.';
  const parts = ['## N+1 findings', '', 'Statements executed once per row of another query (count per request, max over requests).'];
  for (const r of withSuspects) {
    const rows = r.queries.n1Suspects.map((s) => [
      inlineCode(truncate(s.fingerprint, 120)),
      formatCount(s.count),
      inlineCode(truncate(s.example, 120)),
      s.callSite === null ? 'unknown' : callSiteLink(s.callSite, repositoryUrl === undefined ? undefined : { repositoryUrl, commit: run.environment.gitCommit }),
    ]);
    parts.push('', `### ${r.impl}: ${r.scenario} on ${r.dialect}`, '', markdownTable(['fingerprint', 'per request', 'example', 'call site'], rows, ['left', 'right', 'left', 'left']));
  }
  return parts.join('\n');
}

/**
 * A call site as a link to its line: in the checkout, relative to its root
 * (`[src/impl/baseline.ts:52](src/impl/baseline.ts#L52)`), or at the measured commit when the
 * repository's address is known; in another revision (`181b013c7f64:src/...`), at that revision
 * when it is known. Otherwise, and outside the checkout, as code.
 */
export function callSiteLink(site: string, at?: { repositoryUrl: string; commit: string | null }): string {
  const match = /^(?:([0-9a-f]{7,40}):)?([\w.-]+(?:\/[\w.-]+)*):(\d+)$/.exec(site);
  if (match === null || site.split('/').includes('..')) return inlineCode(site);
  const [, revision, path, line] = match;
  const commit = revision ?? at?.commit ?? undefined;
  if (at !== undefined && commit !== undefined) return `[${site}](${at.repositoryUrl.replace(/\/+$/, '')}/blob/${commit}/${path}#L${line})`;
  return revision === undefined ? `[${site}](${path}#L${line})` : inlineCode(site);
}

function plansSection(run: RunResult): string | null {
  const withPlans = groupResults(run.results).flatMap((g) => g.results).filter((r) => r.queries.plans !== undefined && r.queries.plans.length > 0);
  if (withPlans.length === 0) return null;
  const rows = withPlans.flatMap((r) =>
    (r.queries.plans ?? []).map((plan) => [
      r.impl,
      r.scenario,
      r.dialect,
      inlineCode(truncate(planFingerprint(plan), 100)),
      plan.fullScans.length > 0 ? `FULL SCAN: ${plan.fullScans.map((t) => (isAccepted(r, plan, t) ? `${t} (accepted)` : t)).join(', ')}` : 'none',
      planLine(plan, 120),
    ]));
  const scans = withPlans.reduce((n, r) => n + (r.queries.plans ?? []).filter((p) => p.fullScans.length > 0).length, 0);
  return [
    '## Query plans',
    '',
    `${scans} of ${rows.length} plans read a table of over ${thresholdsOf(run).fullScanRows.toLocaleString('en-US')} rows in full.`,
    '',
    markdownTable(['impl', 'scenario', 'database', 'statement', 'full scans', 'plan'], rows),
  ].join('\n');
}

/** The scan is listed as accepted in the result's snapshot. */
function isAccepted(result: ScenarioResult, plan: QueryPlan, table: string): boolean {
  const sql = snapshotStatement(plan.fingerprint.split('\u0000')[0] ?? plan.fingerprint);
  return result.queries.snapshot?.acceptedScans.includes(`${table} <- ${sql}`) === true;
}

/** The run's no-new-full-scan threshold, from its options (results of older runs: the default). */

function chartSection(run: RunResult): string | null {
  const charts = dialectsOf(run.results).flatMap((dialect) => {
    const chart = latencyChart(run.results, dialect);
    return chart === null ? [] : [`### ${dialect}`, '', chart, ''];
  });
  if (charts.length === 0) return null;
  return ['## Latency chart', '', ...charts].join('\n').trimEnd();
}

function environmentSection(run: RunResult): string {
  const env = run.environment;
  const rows: string[][] = [
    ['node', env.node],
    ['os', env.os],
    ['cpu', `${env.cpus} x ${env.cpu}`],
    ['memory', `${env.memoryGiB} GiB`],
    ...dialectsOf(run.results).map((d) => [d, env.databases[d] ?? 'unknown']),
    ['commit', env.gitCommit === null ? 'unknown' : `${env.gitCommit}${env.gitDirty === true ? ' (dirty)' : ''}`],
  ];
  if (env.rttMs !== undefined) rows.push(['injected round trip', `${formatMs(env.rttMs)} ms`]);
  if (env.disturbedBy !== undefined) {
    rows.push(['other querygate runs meanwhile', env.disturbedBy.length === 0 ? 'none' : `${env.disturbedBy.map((o) => `pid ${o.pid}`).join(', ')} (latency disturbed)`]);
  }
  const options = Object.keys(run.options).sort().map((key) => `${key}=${JSON.stringify(run.options[key]) ?? 'undefined'}`);
  if (options.length > 0) rows.push(['options', options.join(', ')]);
  return `## Environment\n\n${markdownTable(['environment', 'value'], rows)}`;
}

function fixtureSection(run: RunResult): string {
  const f = run.fixture;
  const counts = Object.entries(f.rowCounts).map(([table, count]) => `${table} ${count}`).join(', ');
  const rows = [
    ['profile', f.profile],
    ['seed', String(f.seed)],
    ['generator version', String(f.generatorVersion)],
    ['checksum', f.checksum],
    ['rows', counts],
  ];
  return `## Fixture\n\n${markdownTable(['fixture', 'value'], rows)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Load and distance, when the run was not a plain sequential loopback run. */
function conditionsSection(result: RunResult): string | null {
  const loaded = result.results.filter((r) => (r.concurrency ?? 1) > 1 && r.state === 'completed');
  const rtt = result.environment.rttMs;
  if (loaded.length === 0 && rtt === undefined) return null;
  const lines = ['## Load and distance', ''];
  if (rtt !== undefined) {
    lines.push(`Every Postgres statement paid an injected network round trip of ${rtt} ms (a delaying TCP proxy between the application and the database); SQLite ran in-process.`, '');
  }
  if (loaded.length > 0) {
    lines.push(
      `${loaded[0]?.concurrency ?? 1} requests in flight at once through the connection pool.`,
      '',
      markdownTable(
        ['scenario', 'database', 'impl', 'p95 ms', 'throughput req/s', 'pool wait ms (median)'],
        loaded.map((r) => [r.scenario, r.dialect, r.impl, formatMs(r.latencyMs.p95), (r.throughputRps ?? 0).toFixed(0), formatMs(r.poolWaitMs ?? 0)]),
        ['left', 'left', 'left', 'right', 'right', 'right'],
      ),
    );
  }
  return lines.join('\n');
}
