import { pairRounds } from '../harness/stats/paired-statistics.js';
import { clipToBulk, xyChart } from './mermaid-chart.js';
import { p95EstimateOf } from '../harness/judge/gates.js';
import type { PairedComparison, RunResult, ScenarioResult } from '../harness/core/result.js';
import { percentile, sortSamples } from '../harness/stats/statistics.js';
import { formatInterval, formatMs, formatRatio, mdeNote } from '../harness/core/format.js';
import { inlineCode, markdownTable } from './markdown.js';

/** Percentiles at which the two distributions are drawn side by side: p5 ... p95 by 5, and p99. */
export const chartPercentiles: readonly number[] = [...Array.from({ length: 19 }, (_, i) => 5 * (i + 1)), 99];
/** More rounds than this are drawn as medians of consecutive blocks of rounds. @default 120 */
export const maxChartedRounds = 120;

/**
 * The judged pairs of a run (RunResult.pairs: `run --against REF` and A/A copies) as markdown:
 * per pair a verdict line with the minimum detectable effect, a table of n and percentiles of
 * both sides, the two latency distributions side by side (a mermaid line chart of their
 * quantiles, the subject's line above the reference's where it is slower), and the per-round
 * ratios (mermaid line against 1 and the minimum effect, and a sparkline for terminals).
 * Empty when the run has no pairs.
 */
export function pairedSection(result: RunResult): string {
  const pairs = result.pairs ?? [];
  const newScenarios = result.against?.newScenarios ?? [];
  if (pairs.length === 0 && newScenarios.length === 0) return '';
  const parts = ['## Side by side: judged pairs'];
  const against = result.against;
  if (against !== undefined) {
    parts.push(
      '',
      `Against ${inlineCode(against.ref)} (${inlineCode(against.sha.slice(0, 12))}; merge-base ${against.mergeBase === null ? 'none' : inlineCode(against.mergeBase.slice(0, 12))})` +
        (against.schemaDiffers ? ': its schema differs, so each side had a fixture of its own schema, seeded with the same rows.' : ', on the same fixture database.'),
    );
    if (against.schemaDiffers) parts.push('', ...ownFixtureLines(against));
    if (newScenarios.length > 0) {
      const named = newScenarios.map((n) => `${n.scenario} on ${n.dialect}`).join(', ');
      parts.push('', `New since ${inlineCode(against.ref)}: not compared: ${named}. ${inlineCode(against.ref)}'s implementation answered 404 or 405 where the working tree's answered 200 (a route it does not have), so its side was not timed and these scenarios are judged by their own gates alone.`);
    }
  }
  parts.push(
    '',
    'Each round measured both sides in turn; a pair is judged on the ratios of the two medians of each round (Wilcoxon signed-rank ' +
      'interval of the Hodges-Lehmann ratio), so drift of the machine between rounds cancels out.',
  );
  for (const pair of pairs) parts.push('', pairBlock(result, pair));
  return parts.join('\n');
}

function pairBlock(run: RunResult, pair: PairedComparison): string {
  const subject = findResult(run, pair, pair.subject);
  const reference = findResult(run, pair, pair.reference);
  const lines = [`### ${pair.subject} against ${pair.reference}: ${pair.scenario} on ${pair.dialect}`, '', verdictLine(pair)];
  const sides = [
    { name: pair.subject, result: subject },
    { name: pair.reference, result: reference },
  ];
  const missing = sides.filter((s) => s.result === undefined || s.result.rawSamples.length === 0).map((s) => inlineCode(s.name));
  if (pair.kind === 'aa' && subject !== undefined && subject.rawSamples.length > 0) {
    // The A/A copy is the same code as the subject: the run keeps its per-round ratios, not its samples.
    lines.push('', `${inlineCode(pair.reference)} is ${inlineCode(pair.subject)} served a second time: the run keeps its per-round ratios (below), not its samples; its distribution is ${inlineCode(pair.subject)}'s.`);
  } else if (missing.length > 0) {
    lines.push('', `No raw samples of ${missing.join(' and ')} in the result: distributions not drawn.`);
  }
  const withSamples = sides.filter((s): s is { name: string; result: ScenarioResult } => s.result !== undefined && s.result.rawSamples.length > 0);
  if (withSamples.length > 0) {
    lines.push('', percentileTable(withSamples));
  }
  if (withSamples.length === 2) lines.push('', distributionChart(pair, withSamples[0]!.result, withSamples[1]!.result));
  const ratios = roundRatiosOf(pair, subject, reference);
  if (ratios.length > 0) lines.push('', roundsChart(pair, ratios), '', `Per-round ratio, round 1 to ${ratios.length}: ${sparkline(ratios)}`);
  return lines.join('\n');
}

/** Where two schemas differ, and each side's fixture per database: checksums, and columns left out. */
function ownFixtureLines(against: NonNullable<RunResult['against']>): string[] {
  const lines = [`- schemas: ${against.schemaDifference ?? 'they differ'}`];
  for (const [dialect, sides] of Object.entries(against.fixtures ?? {})) {
    const entries = Object.entries(sides ?? {});
    const checksums = new Set(entries.map(([, info]) => info.checksum));
    const described = entries.map(([impl, info]) => {
      const omitted = info.omittedColumns ?? [];
      return `${inlineCode(impl)} checksum ${inlineCode(info.checksum.slice(0, 12))}${omitted.length === 0 ? '' : ` (its schema has no ${omitted.map(inlineCode).join(', ')}: left out)`}`;
    });
    lines.push(`- ${dialect}: ${described.join('; ')}${checksums.size === 1 ? ': the same rows on both sides.' : ': the rows differ where the schemas do.'}`);
  }
  return lines;
}

function verdictLine(pair: PairedComparison): string {
  const level = `${Math.round(pair.confidence * 100)}%`;
  const slower = formatPercent(pair.minEffect);
  const word = pair.verdict === 'slower' ? '**SLOWER**' : pair.verdict === 'faster' ? '**faster**' : '**same**';
  const because = pair.verdict === 'slower'
    ? `the whole interval lies above ${formatRatio(1 + pair.minEffect)}`
    : pair.verdict === 'faster'
      ? `the whole interval lies below ${formatRatio(1 / (1 + pair.minEffect))}`
      : `the interval does not lie wholly beyond ${formatRatio(1 + pair.minEffect)} either way`;
  return (
    `${word}: ratio ${formatRatio(pair.ratio)} ${formatInterval(pair.ci, formatRatio)} (${level}, ${pair.rounds} rounds, one-sided p ${formatP(pair.pValue)}); ${because}. ` +
    `Minimum detectable slowdown of this run: ${formatPercent(pair.mde)} (95% power)${mdeNote(pair)}; changes under ${slower} are never flagged.`
  );
}

function percentileTable(sides: readonly { name: string; result: ScenarioResult }[]): string {
  const rows = sides.map(({ name, result }) => {
    const sorted = sortSamples(result.rawSamples);
    const p95 = p95EstimateOf(result);
    const rounds = result.sampleRounds === undefined ? '-' : String(new Set(result.sampleRounds).size);
    return [
      name,
      String(sorted.length),
      rounds,
      formatMs(percentile(sorted, 50)),
      p95.ci === null ? `${formatMs(p95.value)} (n too small for an interval)` : `${formatMs(p95.value)} ${formatInterval(p95.ci)}`,
      formatMs(percentile(sorted, 99)),
    ];
  });
  return markdownTable(['side', 'n', 'rounds', 'p50 ms', 'p95 ms [95% CI]', 'p99 ms'], rows, ['left', 'right', 'right', 'right', 'right', 'right']);
}

/** Both sides' quantiles at {@link chartPercentiles}: the empirical CDFs turned on their side. */
function distributionChart(pair: PairedComparison, subject: ScenarioResult, reference: ScenarioResult): string {
  const quantiles = (r: ScenarioResult): number[] => {
    const sorted = sortSamples(r.rawSamples);
    return chartPercentiles.map((p) => percentile(sorted, p));
  };
  const s = quantiles(subject);
  const r = quantiles(reference);
  const all = [...s, ...r];
  return xyChart({
    title: `${pair.scenario} ${pair.dialect}: latency (ms) by percentile`,
    xAxis: chartPercentiles.map((p) => `p${p}`),
    yAxis: `"ms" ${niceFloor(Math.min(...all))} --> ${niceCeiling(Math.max(...all))}`,
    series: [
      { name: pair.subject, kind: 'line', values: s.map(formatMs) },
      { name: pair.reference, kind: 'line', values: r.map(formatMs) },
    ],
  });
}

function roundsChart(pair: PairedComparison, ratios: readonly number[]): string {
  const shown = ratios.length <= maxChartedRounds ? ratios : blockMedians(ratios, maxChartedRounds);
  const limit = 1 + pair.minEffect;
  // Scaled to the bulk of the rounds, not to one outlier: the 1.00x and the limit lines stay apart.
  const { low, high, clipped, outside } = clipToBulk(shown, [1, limit]);
  const blocks = shown.length === ratios.length ? '' : ` (medians of blocks of ${Math.ceil(ratios.length / maxChartedRounds)} rounds)`;
  return xyChart({
    title: `per-round ratio ${pair.subject} / ${pair.reference}${blocks}`,
    xAxis: `"round" 1 --> ${ratios.length}`,
    yAxis: `"ratio" ${niceFloor(low, 0.01)} --> ${niceCeiling(high, 0.01)}`,
    series: [
      { name: 'per-round ratio', kind: 'line', values: clipped.map((v) => v.toFixed(3)) },
      { name: '1.00x', kind: 'line', values: shown.map(() => '1') },
      { name: `the limit ${formatRatio(limit)}`, kind: 'line', values: shown.map(() => limit.toFixed(3)) },
    ],
    note: outside === 0 ? undefined : `${outside} of ${shown.length} points lie outside ${formatRatio(low)} to ${formatRatio(high)} and are drawn at the edge.`,
  });
}

/** The pair's round ratios as stored, else recomputed from both sides' samples and rounds. */
function roundRatiosOf(pair: PairedComparison, subject: ScenarioResult | undefined, reference: ScenarioResult | undefined): number[] {
  if (pair.roundRatios.length > 0) return pair.roundRatios;
  if (subject?.sampleRounds === undefined || reference?.sampleRounds === undefined) return [];
  return pairRounds(subject.rawSamples, subject.sampleRounds, reference.rawSamples, reference.sampleRounds).map((r) => r.ratio);
}

function findResult(run: RunResult, pair: PairedComparison, impl: string): ScenarioResult | undefined {
  return run.results.find((r) => r.impl === impl && r.scenario === pair.scenario && r.dialect === pair.dialect && r.state === 'completed');
}

const sparks = '▁▂▃▄▅▆▇█';

/** One character per round (blocks of rounds past 120), lowest ratio ▁, highest █. */
export function sparkline(values: readonly number[]): string {
  const shown = values.length <= maxChartedRounds ? values : blockMedians(values, maxChartedRounds);
  const lo = Math.min(...shown);
  const hi = Math.max(...shown);
  const text = shown.map((v) => sparks[hi === lo ? 3 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join('');
  return `${text} (${formatRatio(lo)} to ${formatRatio(hi)})`;
}

function blockMedians(values: readonly number[], blocks: number): number[] {
  const size = Math.ceil(values.length / blocks);
  const out: number[] = [];
  for (let i = 0; i < values.length; i += size) out.push(percentile(sortSamples(values.slice(i, i + size)), 50));
  return out;
}

function formatPercent(fraction: number): string {
  const pct = fraction * 100;
  return `${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`;
}

function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : p.toPrecision(2);
}

/** Axis ends with a little room: the nearest step of 1, 2 or 5 times a power of ten below / above. */
function niceFloor(value: number, minimumStep = 0): number {
  if (!(value > 0)) return 0;
  const step = Math.max(minimumStep, 10 ** Math.floor(Math.log10(value)) / 10);
  return Number((Math.floor(value / step) * step).toPrecision(12));
}

function niceCeiling(value: number, minimumStep = 0): number {
  if (!(value > 0)) return 1;
  const step = Math.max(minimumStep, 10 ** Math.floor(Math.log10(value)) / 10);
  return Number((Math.ceil(value / step) * step).toPrecision(12));
}
