import { formatMs } from '../harness/core/format.js';
import { xyChart } from './mermaid-chart.js';
import type { HistoryReport, HistorySeries, HistoryStep } from '../harness/judge/history.js';

const short = (sha: string) => sha.slice(0, 8);
const pct = (change: number) => `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;
const value = (step: HistoryStep, v: number) => (step.metric === 'queries' ? String(v) : `${formatMs(v)} ms`);

/** The history as markdown for a step summary: the steps first, then per series a mermaid chart and one line per commit. */
export function renderHistoryMarkdown(report: HistoryReport): string {
  const lines = [
    `# querygate history: ${report.range}`,
    '',
    `${report.withResults} of ${report.commits} first-parent commits carry a result note. Change points: ${report.method}.`,
    '',
    '## Steps',
    '',
  ];
  if (report.steps.length === 0) lines.push('No step found.', '');
  else {
    lines.push('| commit | date | scenario | db | metric | before | after | change | significance |', '| --- | --- | --- | --- | --- | ---: | ---: | ---: | --- |');
    for (const s of report.steps) {
      lines.push(`| ${short(s.commit)} | ${s.date.slice(0, 10)} | ${s.scenario} | ${s.dialect} | ${s.metric} | ${value(s, s.before)} | ${value(s, s.after)} | ${pct(s.change)} | ${s.pValue === null ? 'exact' : `p = ${s.pValue.toFixed(3)}`} |`);
    }
    lines.push('');
  }
  for (const series of report.series) lines.push(...renderSeries(series, report.steps));
  return `${lines.join('\n')}\n`;
}

/** Commits named on the chart's axis; more are numbered (their names would overlap). */
const MAX_LABELED = 20;

function renderSeries(series: HistorySeries, steps: readonly HistoryStep[]): string[] {
  const own = steps.filter((s) => s.scenario === series.scenario && s.dialect === series.dialect && s.impl === series.impl);
  const round = (v: number) => Number(v.toPrecision(4));
  const lines = [
    `## ${series.scenario} on ${series.dialect} (${series.impl})`,
    '',
    series.driftRemovedBy === 'probe'
      ? 'Latency steps searched in the ratio to the harness\'s drift probe of the same run (the machine\'s drift divided out); levels shown in ms.'
      : 'Latency steps searched in the figures as measured (not every commit has the drift probe beside it).',
    '',
    xyChart({
      title: `${series.scenario} on ${series.dialect}: p50 and p95 (ms) per commit, oldest first`,
      // Over MAX_LABELED commits their names overlap into a smear: the axis counts them instead.
      xAxis: series.points.length > MAX_LABELED ? `"commit (1 = oldest, as the rows below)" 1 --> ${series.points.length}` : series.points.map((p) => short(p.commit)),
      yAxis: '"ms"',
      series: [
        { name: 'p50', kind: 'line', values: series.points.map((p) => String(round(p.p50))) },
        { name: 'p95', kind: 'line', values: series.points.map((p) => String(round(p.p95))) },
      ],
    }),
    '',
    '| commit | date | p50 ms | p95 ms | queries | step |',
    '| --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const p of series.points) {
    const here = own.filter((s) => s.commit === p.commit).map((s) => `${s.metric} ${pct(s.change)}`);
    lines.push(`| ${short(p.commit)} | ${p.date.slice(0, 10)} | ${formatMs(p.p50)} | ${formatMs(p.p95)} | ${p.queries} | ${here.join(', ')} |`);
  }
  lines.push('');
  return lines;
}
