/** A fenced ```mermaid block of a markdown text. */
export interface MermaidBlock {
  /** The diagram between the fences. */
  definition: string;
  /** Line of the opening fence, from 1. */
  line: number;
  /** The `Legend: ...` line that reports/mermaid-chart.ts writes after each chart, or null. */
  legend: string | null;
}

/** Every ```mermaid block of the text, in order, each with the legend line that follows it. */
export function mermaidBlocks(markdown: string): MermaidBlock[] {
  const lines = markdown.split('\n');
  const blocks: MermaidBlock[] = [];
  for (let start = 0; start < lines.length; start++) {
    if (lines[start]?.trim() !== '```mermaid') continue;
    const end = lines.findIndex((l, i) => i > start && l.trim() === '```');
    if (end === -1) throw new Error(`the mermaid block at line ${start + 1} is never closed`);
    const after = lines.slice(end + 1).find((l) => l.trim() !== '');
    blocks.push({
      definition: lines.slice(start + 1, end).join('\n'),
      line: start + 1,
      legend: after?.startsWith('Legend: ') ? after : null,
    });
    start = end;
  }
  return blocks;
}
