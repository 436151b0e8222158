/**
 * A line diff of two short texts (longest common subsequence), as `- old` / `+ new` lines with
 * one line of context around each change and `...` between far-apart changes. Empty when equal.
 */
export function lineDiff(before: string, after: string, context = 1): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ kind: ' ', line: a[i++] ?? '' }), j++;
    // Removals before additions, as diff prints them.
    else if (i < a.length && (j >= b.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) ops.push({ kind: '-', line: a[i++] ?? '' });
    else ops.push({ kind: '+', line: b[j++] ?? '' });
  }
  if (ops.every((o) => o.kind === ' ')) return '';
  const keep = ops.map((_o, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((n) => n.kind !== ' '));
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (keep[k]) out.push(`${o.kind} ${o.line}`);
    else if (keep[k - 1]) out.push('...');
  });
  return out.join('\n');
}
