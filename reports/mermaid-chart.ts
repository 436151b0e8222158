/**
 * Every chart of the reports is a mermaid `xychart-beta` (GitHub draws it). xychart has no legend
 * and its default light palette starts with a pale lavender, so each chart here sets a palette of
 * colours a reader tells apart (and names), and is followed by a legend line naming each series'
 * colour. Charts say what they clip.
 */

/** Contrasting colours, in series order, with the names the legend gives them. */
export const CHART_PALETTE: readonly { hex: string; name: string }[] = [
  { hex: '#1f77b4', name: 'blue' },
  { hex: '#ff7f0e', name: 'orange' },
  { hex: '#2ca02c', name: 'green' },
  { hex: '#d62728', name: 'red' },
  { hex: '#9467bd', name: 'purple' },
  { hex: '#8c564b', name: 'brown' },
  { hex: '#17becf', name: 'cyan' },
  { hex: '#7f7f7f', name: 'grey' },
];

export interface ChartSeries {
  name: string;
  kind: 'bar' | 'line';
  values: readonly string[];
}

export interface XyChart {
  title: string;
  /** `[labels]` as categories, or a numeric range such as `"round" 1 --> 120`. */
  xAxis: readonly string[] | string;
  /** e.g. `"ms" 0 --> 50`, or `"ms"` to let mermaid choose. */
  yAxis: string;
  series: readonly ChartSeries[];
  /** Said under the legend: what was clipped or left out. */
  note?: string | undefined;
}

/** A text safe inside a mermaid label. */
export function chartLabel(text: string): string {
  return JSON.stringify(text.replace(/["\\[\],]/g, ' '));
}

/** The chart as a fenced mermaid block, then one legend line naming each series' colour. */
export function xyChart(chart: XyChart): string {
  const palette = chart.series.map((_, i) => (CHART_PALETTE[i % CHART_PALETTE.length] as { hex: string }).hex).join(', ');
  const xAxis = typeof chart.xAxis === 'string' ? chart.xAxis : `[${chart.xAxis.map(chartLabel).join(', ')}]`;
  const legend = chart.series.map((s, i) => `${(CHART_PALETTE[i % CHART_PALETTE.length] as { name: string }).name}: ${s.name}`).join('; ');
  return [
    '```mermaid',
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    'xychart-beta',
    `    title ${chartLabel(chart.title)}`,
    `    x-axis ${xAxis}`,
    `    y-axis ${chart.yAxis}`,
    ...chart.series.map((s) => `    ${s.kind} [${s.values.join(', ')}]`),
    '```',
    '',
    `Legend: ${legend}.${chart.note === undefined ? '' : ` ${chart.note}`}`,
  ].join('\n');
}

/**
 * Axis bounds that keep the bulk of the values readable: the 2nd to 98th percentile widened to
 * hold `always` (reference lines), and the values outside drawn at the edge. Returns the clipped
 * values and how many were clipped.
 */
export function clipToBulk(values: readonly number[], always: readonly number[]): { low: number; high: number; clipped: number[]; outside: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] as number;
  const low = Math.min(at(0.02), ...always);
  const high = Math.max(at(0.98), ...always);
  const clipped = values.map((v) => Math.min(high, Math.max(low, v)));
  const outside = values.filter((v) => v < low || v > high).length;
  return { low, high, clipped, outside };
}
