import type { ScalingFit, ScalingPoint, ScalingResult } from '../harness/core/result.js';
import { formatInterval, formatMs } from '../harness/core/format.js';
import { minSamplesForQuantileInterval } from '../harness/stats/quantile-interval.js';
import { inlineCode, markdownTable } from './markdown.js';
import { xyChart } from './mermaid-chart.js';

const line = (fit: ScalingFit): string => {
  const q = fit.queriesVsPageSize;
  const queries =
    fit.queriesGrowth === 'constant'
      ? `queries constant in page size (${Math.round(q.intercept)})`
      : `queries linear in page size: ${q.slope.toFixed(2)} per artifact (+${q.intercept.toFixed(1)})`;
  const l = fit.latencyVsTouchedRows;
  const growth = fit.p50SmallestMs > 0 ? fit.p50LargestMs / fit.p50SmallestMs : 0;
  return `\`${fit.impl}\` on ${fit.dialect}: ${queries}; p50 ${l.slope >= 0 ? '+' : ''}${l.slope.toFixed(3)} ms per 1k touched memberships (R² ${l.r2.toFixed(2)}); page 50 p50 ${formatMs(fit.p50SmallestMs)} -> ${formatMs(fit.p50LargestMs)} ms smallest to largest fixture (${growth.toFixed(1)}x)`;
};

/** Points across the x range drawn for each line: the measured sizes joined by straight lines, on a true scale. */
const CHART_STEPS = 40;

/**
 * A line chart per database: p50 at page 50 against the fixture's artifacts on a true scale (xychart
 * spaces points evenly, so each line is sampled at even steps of size between the measured ones).
 */
function chart(points: readonly ScalingPoint[], dialect: string): string | null {
  const mine = points.filter((p) => p.dialect === dialect && p.limit === 50).sort((a, b) => a.artifacts - b.artifacts);
  if (mine.length === 0) return null;
  const impls = [...new Set(mine.map((p) => p.impl))];
  const sizes = [...new Set(mine.map((p) => p.artifacts))];
  const [first, last] = [sizes[0] as number, sizes[sizes.length - 1] as number];
  const xs = Array.from({ length: CHART_STEPS + 1 }, (_, i) => first + ((last - first) * i) / CHART_STEPS);
  const top = Math.max(...mine.map((p) => p.p50)) * 1.1;
  return xyChart({
    title: `${dialect}: p50 ms of a 50-artifact page by fixture size (artifacts)`,
    xAxis: `"artifacts" ${first} --> ${last}`,
    yAxis: `"p50 ms" 0 --> ${Math.ceil(top)}`,
    series: impls.map((impl) => ({ name: impl, kind: 'line' as const, values: xs.map((x) => formatMs(interpolate(mine.filter((p) => p.impl === impl), x))) })),
    note: `Measured at ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} artifacts (${mine.length} points, n per point in the table below); straight lines between them.`,
  });
}

/** p50 at `x` artifacts, linear between the measured sizes around it. */
function interpolate(points: readonly ScalingPoint[], x: number): number {
  const after = points.findIndex((p) => p.artifacts >= x);
  if (after <= 0) return (points[Math.max(after, 0)] ?? points[points.length - 1])?.p50 ?? 0;
  const [a, b] = [points[after - 1] as ScalingPoint, points[after] as ScalingPoint];
  return b.artifacts === a.artifacts ? b.p50 : a.p50 + ((b.p50 - a.p50) * (x - a.artifacts)) / (b.artifacts - a.artifacts);
}

/** A percentile with its interval where the point has one; `n/a` for no samples. */
function withInterval(value: number, ci: readonly [number, number] | null | undefined, n: number | undefined): string {
  if (n === 0) return 'n/a';
  return ci === undefined || ci === null ? formatMs(value) : `${formatMs(value)} ${formatInterval(ci)}`;
}

/** How long a point overlapped another run, as polled: under half a second reads as such. */
const overlapText = (ms: number): string => (ms < 500 ? 'under 0.5 s' : `${(ms / 1000).toFixed(1)} s`);

/**
 * The note of a sweep that shared the machine with other querygate runs: who, and which points
 * (all implementations of a point are measured together) overlapped them for how long. Null when none did.
 */
export function scalingDisturbedNote(result: ScalingResult): string | null {
  const others = result.environment.disturbedBy ?? [];
  if (others.length === 0) return null;
  const who = others.map((o) => `pid ${o.pid} (${inlineCode(o.command || 'querygate')}, ${o.from} to ${o.until})`).join(', ');
  const hit = new Map<string, string>();
  for (const p of result.points) {
    const key = `${p.dialect} ${p.profile} limit=${p.limit}`;
    if (p.disturbedBy !== undefined && p.disturbedBy.length > 0 && !hit.has(key)) {
      hit.set(key, `${key} (${p.disturbedBy.map((d) => `pid ${d.pid} for ${overlapText(d.overlapMs)}`).join(', ')})`);
    }
  }
  const known = result.points.some((p) => p.disturbedBy !== undefined);
  const points = !known ? 'This sweep did not record which points they overlapped.' : hit.size === 0 ? 'No point overlapped them.' : `Points that overlapped them: ${[...hit.values()].join('; ')}.`;
  return (
    `**Latency disturbed**: ${others.length} other querygate ${others.length === 1 ? 'process' : 'processes'} measured on this machine during the sweep: ${who}. ` +
    `${points} Their latencies shared the CPU (overlaps as polled twice a second); statement and row counts are not affected.`
  );
}

/** The whole sweep: fitted growth, a chart per database, every point. */
export function renderScalingMarkdown(result: ScalingResult): string {
  const dialects = [...new Set(result.points.map((p) => p.dialect))];
  const rows = result.points.map((p) => [
    p.dialect,
    p.profile,
    String(p.limit),
    p.impl,
    p.n === undefined ? '?' : String(p.n),
    withInterval(p.p50, p.p50Ci, p.n),
    withInterval(p.p95, p.p95Ci, p.n),
    String(p.queries),
    String(p.rows),
    String(p.touchedRows),
  ]);
  const disturbed = scalingDisturbedNote(result);
  return `${[
    '# querygate: how cost grows',
    '',
    `Sweep of ${result.profiles.join(', ')} x page sizes ${result.limits.join(', ')}; started ${result.startedAt}, took ${(result.durationMs / 1000).toFixed(1)} s; commit \`${(result.environment.gitCommit ?? 'none').slice(0, 12)}\`.`,
    '',
    ...(disturbed === null ? [] : [disturbed, '']),
    '## Fitted growth',
    '',
    ...result.fits.map((f) => `- ${line(f)}`),
    '',
    ...dialects.flatMap((d) => [chart(result.points, d) ?? '', '']),
    '## Points',
    '',
    `Latency in ms over the point's n samples, with 95% intervals from order statistics (widened where rounds drift); none for p95 below n = ${minSamplesForQuantileInterval(95)}.`,
    '',
    markdownTable(
      ['db', 'profile', 'limit', 'impl', 'n', 'p50 ms [95% CI]', 'p95 ms [95% CI]', 'queries', 'rows', 'touched memberships'],
      rows,
      ['left', 'left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  ].join('\n')}\n`;
}

/** The short section a default run's report carries from the last sweep. */
export function renderScalingSummary(result: ScalingResult): string {
  return [
    '## How it scales',
    '',
    `From the last scaling run (${result.startedAt}, ${result.profiles.join(', ')} x page sizes ${result.limits.join(', ')}; \`querygate run --scenario scaling\`):`,
    '',
    ...result.fits.map((f) => `- ${line(f)}`),
    ...(scalingDisturbedNote(result) === null ? [] : ['', 'Its latencies were disturbed by other querygate runs on the machine: see its `scaling.md`.']),
  ].join('\n');
}
