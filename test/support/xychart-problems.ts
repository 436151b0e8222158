import { CHART_PALETTE } from '../../reports/mermaid-chart.js';
import type { MermaidBlock } from './mermaid-blocks.js';

const decode = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** What an `xychart-beta` block asks for: the texts it must show and its series in order. */
interface XyChartSpec {
  texts: string[];
  series: { kind: 'bar' | 'line'; points: number }[];
  /** `plotColorPalette` of the init line, in series order; empty when the block sets none. */
  palette: string[];
}

function readSpec(definition: string): XyChartSpec {
  const spec: XyChartSpec = { texts: [], series: [], palette: [] };
  for (const raw of definition.split('\n')) {
    const line = raw.trim();
    const palette = /"plotColorPalette":\s*"([^"]*)"/.exec(line);
    if (palette) spec.palette = (palette[1] ?? '').split(',').map((c) => c.trim().toLowerCase());
    const title = /^title\s+(".*")$/.exec(line);
    if (title) spec.texts.push(JSON.parse(title[1] ?? '""') as string);
    const axis = /^[xy]-axis\s+(.*)$/.exec(line);
    if (axis) {
      const rest = axis[1] ?? '';
      // Categories are JSON strings (reports/mermaid-chart.ts chartLabel); a numeric axis has a quoted title.
      if (rest.startsWith('[')) spec.texts.push(...(JSON.parse(rest) as string[]));
      else if (rest.startsWith('"')) spec.texts.push(rest.slice(1, rest.indexOf('"', 1)));
    }
    const series = /^(bar|line)\s+\[(.*)\]$/.exec(line);
    if (series) spec.series.push({ kind: series[1] as 'bar' | 'line', points: (series[2] ?? '').split(',').length });
  }
  return spec;
}

/** The hex colours the legend line names, in series order (`Legend: blue: p95; orange: p50.`). */
function legendColours(legend: string): string[] {
  return [...legend.matchAll(/(?:^Legend: |; )([a-z]+): /g)].map((m) => CHART_PALETTE.find((c) => c.name === m[1])?.hex ?? `unknown colour ${m[1]}`);
}

/**
 * How the SVG mermaid drew for an `xychart-beta` block falls short of the block: a missing title,
 * axis title or category label, a series not drawn, drawn with fewer points, or in another colour
 * than the legend line after the chart names. Empty when it matches (and for other diagram types,
 * when they drew an SVG at all).
 */
export function xychartProblems(block: MermaidBlock, svg: string): string[] {
  if (!/<svg[\s>]/.test(svg)) return ['no <svg> element'];
  if (!/^\s*xychart(-beta)?\b/m.test(block.definition)) return [];
  const problems: string[] = [];
  if (!svg.includes('aria-roledescription="xychart"')) problems.push('not drawn as an xychart');
  const spec = readSpec(block.definition);
  const texts = new Set([...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1] ?? '')));
  for (const text of spec.texts) if (!texts.has(text)) problems.push(`text ${JSON.stringify(text)} not drawn`);
  const colours = block.legend === null ? spec.palette : legendColours(block.legend);
  if (block.legend !== null) {
    if (colours.length !== spec.series.length) problems.push(`the legend names ${colours.length} colours for ${spec.series.length} series`);
    for (const [i, hex] of colours.entries()) {
      if (spec.palette[i] !== undefined && spec.palette[i] !== hex) problems.push(`the legend calls series ${i} ${hex}, the palette gives it ${spec.palette[i]}`);
    }
  }
  for (const [i, series] of spec.series.entries()) {
    const group = new RegExp(`<g class="${series.kind}-plot-${i}">(.*?)</g>`, 's').exec(svg)?.[1];
    if (group === undefined) {
      problems.push(`series ${i} (${series.kind}) not drawn`);
      continue;
    }
    const drawn =
      series.kind === 'bar'
        ? (group.match(/<rect\b/g) ?? []).length
        : (/\bd="([^"]*)"/.exec(group)?.[1]?.match(/[ML]/g) ?? []).length;
    if (drawn !== series.points) problems.push(`series ${i} (${series.kind}) drawn with ${drawn} of its ${series.points} points`);
    const expected = colours[i];
    const used = new Set([...group.matchAll(series.kind === 'bar' ? /\bfill="([^"]*)"/g : /\bstroke="([^"]*)"/g)].map((m) => (m[1] ?? '').toLowerCase()));
    if (expected !== undefined && (used.size !== 1 || !used.has(expected))) {
      problems.push(`series ${i} (${series.kind}) drawn in ${[...used].join(', ')}, not the legend's ${expected}`);
    }
  }
  return problems;
}
