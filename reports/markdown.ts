export { truncate } from '../harness/core/format.js';
/**
 * Markdown building blocks. Tables are padded to aligned columns so that the same text reads
 * well in a terminal and renders on GitHub.
 */

/** Column alignment of a {@link markdownTable}. */
export type Align = 'left' | 'right';

/** Cell text made safe for a table row: no line breaks, pipes escaped (also inside code spans). */
export function tableCell(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\|/g, '\\|');
}

/** A GFM table; `align` defaults to left for every column. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const cells = [header, ...rows].map((row) => header.map((_, i) => tableCell(row[i] ?? '')));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => row[i]!.length)));
  const pad = (text: string, i: number): string =>
    align[i] === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (row: readonly string[]): string => `| ${row.map(pad).join(' | ')} |`;
  const rule = widths.map((width, i) => (align[i] === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)));
  const [head, ...body] = cells;
  return [line(head!), `| ${rule.join(' | ')} |`, ...body.map(line)].join('\n');
}

/**
 * Inline code that survives backticks in its content (knex quotes SQLite identifiers with
 * backticks): the fence is longer than any run of backticks inside.
 */
export function inlineCode(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padding = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${padding}${flat}${padding}${fence}`;
}

