import { PROBE_IMPL, type Dialect, type ScenarioResult } from '../harness/core/result.js';
import { formatMs } from '../harness/core/format.js';
import { xyChart } from './mermaid-chart.js';

/**
 * A mermaid `xychart-beta` bar chart of p50 and p95 per implementation and scenario on one
 * database (GitHub renders it), or null when nothing completed there. Mermaid draws bar series
 * on top of each other, so p95 comes first and the shorter p50 bar stays visible in front. The
 * harness's drift probe is not code under test: it is left out (the environment section has it).
 */
export function latencyChart(results: readonly ScenarioResult[], dialect: Dialect): string | null {
  const shown = results.filter((r) => r.dialect === dialect && r.state === 'completed' && r.impl !== PROBE_IMPL);
  if (shown.length === 0) return null;
  const values = (pick: (r: ScenarioResult) => number): string[] => shown.map((r) => formatMs(pick(r)));
  const top = niceCeiling(Math.max(...shown.map((r) => r.latencyMs.p95)));
  return xyChart({
    title: `${dialect}: p95 (back) and p50 (front) latency, ms`,
    xAxis: shown.map((r) => `${r.impl} ${r.scenario}`),
    yAxis: `"ms" 0 --> ${top}`,
    series: [
      { name: 'p95', kind: 'bar', values: values((r) => r.latencyMs.p95) },
      { name: 'p50', kind: 'bar', values: values((r) => r.latencyMs.p50) },
    ],
  });
}

/** The smallest 1, 2 or 5 times a power of ten at or above the value. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return Number((step * power).toPrecision(12));
}
