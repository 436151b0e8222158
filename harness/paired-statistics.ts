// Interim: replaced by the tested implementation from the statistics branch.
import type { PairedComparison } from './result.js';

export type PairedStatistics = Pick<PairedComparison, 'ratio' | 'ci' | 'pValue' | 'mde' | 'verdict'>;

export function roundMedians(samples: readonly number[], rounds: readonly number[]): Map<number, number> {
  const by = new Map<number, number[]>();
  samples.forEach((s, i) => {
    const r = rounds[i] ?? 0;
    const list = by.get(r) ?? [];
    list.push(s);
    by.set(r, list);
  });
  const out = new Map<number, number>();
  for (const [r, list] of by) {
    list.sort((a, b) => a - b);
    const m = list.length >> 1;
    out.set(r, list.length % 2 === 1 ? list[m]! : (list[m - 1]! + list[m]!) / 2);
  }
  return out;
}

export function pairRounds(subject: readonly number[], subjectRounds: readonly number[], reference: readonly number[], referenceRounds: readonly number[]): number[] {
  const a = roundMedians(subject, subjectRounds);
  const b = roundMedians(reference, referenceRounds);
  const ratios: number[] = [];
  for (const [r, m] of [...a].sort((x, y) => x[0] - y[0])) {
    const other = b.get(r);
    if (other !== undefined && other > 0) ratios.push(m / other);
  }
  return ratios;
}

export function pairedRatio(roundRatios: readonly number[], options: { confidence?: number; minEffect?: number } = {}): PairedStatistics {
  const minEffect = options.minEffect ?? 0.02;
  const logs = roundRatios.map(Math.log);
  const n = logs.length;
  const mean = logs.reduce((s, x) => s + x, 0) / Math.max(1, n);
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = (2.576 * sd) / Math.sqrt(Math.max(1, n));
  const ci: [number, number] = [Math.exp(mean - half), Math.exp(mean + half)];
  const verdict = ci[0] > 1 + minEffect ? 'slower' : ci[1] < 1 / (1 + minEffect) ? 'faster' : 'same';
  return { ratio: Math.exp(mean), ci, pValue: NaN, mde: minEffect + (4.22 * sd) / Math.sqrt(Math.max(1, n)), verdict };
}
