import { describe, expect, it } from 'vitest';
import type { ConcurrentRun, ScalingPoint, ScalingResult } from '../harness/core/result.js';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import { latencyIntervals, overlapsOf } from '../harness/runner/scaling.js';
import { renderScalingMarkdown, renderScalingSummary, scalingDisturbedNote } from '../reports/scaling-report.js';
import { sampleResult } from './fixtures/sample-result.js';

const ONE_TO_100 = Array.from({ length: 100 }, (_, i) => i + 1);

describe('the latency of a scaling point', () => {
  it('carries n and the order-statistic intervals of p50 and p95', () => {
    // n = 100: the median's 95% interval is X_(40) to X_(61) (the classic table); p95's, X_(90) to X_(100)
    // (B ~ Binomial(100, 0.95): P(B <= 89) = 1.1% below, P(B = 100) = 0.6% above).
    expect(latencyIntervals({ rawSamples: ONE_TO_100 })).toEqual({ n: 100, p50Ci: [40, 61], p95Ci: [90, 100] });
  });

  it('has no p95 interval below 59 samples, and none at all without samples', () => {
    expect(latencyIntervals({ rawSamples: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })).toEqual({ n: 10, p50Ci: [2, 9], p95Ci: null });
    expect(latencyIntervals({ rawSamples: [] })).toEqual({ n: 0, p50Ci: null, p95Ci: null });
  });

  it('widens the interval where the rounds drift, never narrows it', () => {
    // Rounds 1-10 hold the small samples, 11-20 the large: neighbouring rounds alike, as on a drifting machine.
    const drifting = latencyIntervals({ rawSamples: ONE_TO_100, sampleRounds: ONE_TO_100.map((x) => Math.ceil(x / 5)) });
    expect(drifting.n).toBe(100);
    expect(drifting.p50Ci![0]).toBeLessThan(40);
    expect(drifting.p50Ci![1]).toBeGreaterThan(61);
  });
});

describe('which scaling points overlapped another run', () => {
  const point = { from: '2026-01-01T10:00:10.000Z', until: '2026-01-01T10:00:20.000Z' };
  const run = (pid: number, from: string, until: string): ConcurrentRun => ({ pid, command: 'querygate run', startedAt: from, from, until });

  it('gives each run that met the point and for how long, as observed', () => {
    const others = [
      run(11, '2026-01-01T10:00:05.000Z', '2026-01-01T10:00:13.500Z'), // 3.5 s into the point
      run(12, '2026-01-01T10:00:15.000Z', '2026-01-01T10:00:15.000Z'), // seen once, inside
      run(13, '2026-01-01T10:00:20.500Z', '2026-01-01T10:00:40.000Z'), // after it
      run(14, '2026-01-01T10:00:00.000Z', '2026-01-01T10:01:00.000Z'), // all through it
    ];
    expect(overlapsOf(point, others)).toEqual([
      { pid: 11, overlapMs: 3500 },
      { pid: 12, overlapMs: 0 },
      { pid: 14, overlapMs: 10_000 },
    ]);
  });

  it('is none for a point of an older sweep, which has no window', () => {
    expect(overlapsOf({}, [run(11, '2026-01-01T10:00:05.000Z', '2026-01-01T10:00:13.500Z')])).toEqual([]);
  });
});

function sweep(points: ScalingPoint[], disturbedBy: ConcurrentRun[] = []): ScalingResult {
  return {
    kind: 'querygate-scaling',
    schemaVersion: 1,
    startedAt: '2026-01-01T10:00:00.000Z',
    durationMs: 60_000,
    environment: { ...sampleResult().environment, disturbedBy },
    profiles: ['small', 'medium'],
    limits: [50],
    points,
    fits: [],
  };
}

const point = (impl: string, profile: string, extra: Partial<ScalingPoint>): ScalingPoint => ({
  profile, dialect: 'sqlite', impl, limit: 50, artifacts: profile === 'small' ? 500 : 5000, p50: 2, p95: 3, queries: 5, rows: 90, touchedRows: 1000, ...extra,
});

/** The rows of the points table, cells trimmed, header first. */
function pointRows(markdown: string): string[][] {
  const table = markdown.slice(markdown.indexOf('## Points')).split('\n').filter((l) => l.startsWith('|'));
  return table.filter((_, i) => i !== 1).map((l) => l.slice(1, -1).split('|').map((c) => c.trim()));
}

describe('the scaling report', () => {
  const calm = sweep([
    point('fixed', 'small', { n: 100, p50Ci: [1.5, 2.5], p95Ci: [2.75, 3.5], disturbedBy: [] }),
    point('fixed', 'medium', { n: 40, p50Ci: [1.75, 2.25], p95Ci: null, disturbedBy: [] }),
  ]);

  it('shows n and the intervals per point, and no p95 interval where n allows none', () => {
    const rows = pointRows(renderScalingMarkdown(calm));
    expect(rows[0]).toEqual(['db', 'profile', 'limit', 'impl', 'n', 'p50 ms [95% CI]', 'p95 ms [95% CI]', 'queries', 'rows', 'touched memberships']);
    expect(rows.slice(1).map((r) => r.slice(4, 7))).toEqual([
      ['100', '2.00 [1.50, 2.50]', '3.00 [2.75, 3.50]'],
      ['40', '2.00 [1.75, 2.25]', '3.00'],
    ]);
    expect(renderScalingMarkdown(calm)).not.toContain('Latency disturbed');
    expect(scalingDisturbedNote(calm)).toBeNull();
  });

  it('names the points that overlapped another run, and for how long', () => {
    const other: ConcurrentRun = { pid: 4242, command: 'querygate run --impl fixed', startedAt: '2026-01-01T09:59:00.000Z', from: '2026-01-01T10:00:05.000Z', until: '2026-01-01T10:00:13.500Z' };
    const disturbed = sweep(
      [
        point('fixed', 'small', { n: 100, disturbedBy: [{ pid: 4242, overlapMs: 3500 }] }),
        point('baseline', 'small', { n: 100, disturbedBy: [{ pid: 4242, overlapMs: 3500 }] }),
        point('fixed', 'medium', { n: 100, disturbedBy: [] }),
      ],
      [other],
    );
    const note = scalingDisturbedNote(disturbed);
    expect(note).toContain('**Latency disturbed**: 1 other querygate process measured on this machine during the sweep: pid 4242 (`querygate run --impl fixed`, 2026-01-01T10:00:05.000Z to 2026-01-01T10:00:13.500Z).');
    expect(note).toContain('Points that overlapped them: sqlite small limit=50 (pid 4242 for 3.5 s).');
    expect(renderScalingMarkdown(disturbed)).toContain(note!);
    expect(renderScalingSummary(disturbed)).toContain('Its latencies were disturbed by other querygate runs');
    expect(renderScalingSummary(calm)).not.toContain('disturbed');
  });

  it('renders a sweep of an older version, without n, intervals or windows', () => {
    const old = sweep([point('fixed', 'small', {})], [{ pid: 7, command: '', startedAt: '', from: 'a', until: 'b' }]);
    expect(pointRows(renderScalingMarkdown(old))[1]?.slice(4, 7)).toEqual(['?', '2.00', '3.00']);
    expect(scalingDisturbedNote(old)).toContain('This sweep did not record which points they overlapped.');
  });

  it('keeps n, the intervals and the overlaps in the result file', () => {
    const result = sampleResult();
    const other: ConcurrentRun = { pid: 4242, command: 'querygate run', startedAt: '', from: '2026-01-01T10:00:05.000Z', until: '2026-01-01T10:00:13.500Z' };
    result.scaling = sweep([point('fixed', 'small', { n: 100, p50Ci: [1.5, 2.5], p95Ci: null, from: '2026-01-01T10:00:10.000Z', until: '2026-01-01T10:00:20.000Z', disturbedBy: [{ pid: 4242, overlapMs: 3500 }] })], [other]);
    expect(parseResultFile(JSON.stringify(result), 'result.json').scaling).toEqual(result.scaling);
  });
});
