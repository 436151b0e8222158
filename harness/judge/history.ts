import type { RunResult } from '../core/result.js';
import { verdictOf, type Verdict } from './verdict.js';
import { PROBE_IMPL } from '../core/result.js';
import { DEFAULT_CHANGE_POINT_OPTIONS, eDivisiveMultivariate, exactSteps, type ChangePointOptions } from '../stats/change-points.js';

/** One commit of the history that has a result. */
export interface HistoryEntry {
  commit: string;
  /** Committer date, ISO. */
  date: string;
  subject: string;
  result: RunResult;
}

export type HistoryMetric = 'p50' | 'p95' | 'queries';

/** One line per commit of one series. */
export interface HistoryPoint {
  commit: string;
  date: string;
  p50: number;
  p95: number;
  /** The drift probe's p50 and p95 in the same run, when it ran: the machine's speed at that moment (none of the code under test moves it). */
  probeP50?: number;
  probeP95?: number;
  /** Statements per request (max over requests). */
  queries: number;
}

/** The implementation under test on one scenario and database, commit by commit (oldest first). */
export interface HistorySeries {
  scenario: string;
  dialect: string;
  impl: string;
  points: HistoryPoint[];
  /** 'probe' when every point has the drift probe beside it and latency steps were searched in the ratio to it. */
  driftRemovedBy: 'probe' | null;
}

export interface HistoryStep {
  scenario: string;
  dialect: string;
  impl: string;
  metric: HistoryMetric;
  /** The first commit with the new level. */
  commit: string;
  date: string;
  before: number;
  after: number;
  /** after / before - 1. */
  change: number;
  /** Permutation p-value (E-Divisive means) for latency; null for exact query-count steps. */
  pValue: number | null;
}

export interface HistoryOptions extends ChangePointOptions {
  /** Latency steps smaller than this (fraction) are not reported, however significant. @default 0.05 */
  minChange: number;
  /**
   * Search latency steps in the ratio to the drift probe measured in the same run (which divides out the
   * machine's drift between runs) when every commit has it. The probe runs none of the code under
   * test (unlike the floor, which shares its page query, indexes and driver), so a regression of the
   * endpoint is never divided out; a change of the database server that slows everything is. @default true
   */
  relativeToProbe: boolean;
}

export const DEFAULT_HISTORY_OPTIONS: Readonly<HistoryOptions> = { ...DEFAULT_CHANGE_POINT_OPTIONS, minChange: 0.05, relativeToProbe: true };

export interface HistoryReport {
  kind: 'querygate-history';
  /** What was read, e.g. "HEAD (last 100 first-parent commits)". */
  range: string;
  /** First-parent commits in the range, and how many of them carry a result note. */
  commits: number;
  withResults: number;
  method: string;
  options: HistoryOptions;
  series: HistorySeries[];
  steps: HistoryStep[];
}

/** Series of the implementation under test per scenario and database, and their steps. */
export function analyzeHistory(entries: readonly HistoryEntry[], range: string, commits: number, options: Partial<HistoryOptions> = {}): HistoryReport {
  const o = { ...DEFAULT_HISTORY_OPTIONS, ...options };
  const series = new Map<string, HistorySeries>();
  for (const entry of entries) {
    for (const r of entry.result.results) {
      if (r.impl !== entry.result.implUnderTest || r.state !== 'completed') continue;
      const key = `${r.scenario}\u0000${r.dialect}\u0000${r.impl}`;
      let s = series.get(key);
      if (s === undefined) series.set(key, (s = { scenario: r.scenario, dialect: r.dialect, impl: r.impl, points: [], driftRemovedBy: null }));
      const probe = entry.result.results.find((f) => f.impl === PROBE_IMPL && f.scenario === r.scenario && f.dialect === r.dialect && f.state === 'completed');
      s.points.push({
        commit: entry.commit,
        date: entry.date,
        p50: r.latencyMs.p50,
        p95: r.latencyMs.p95,
        queries: r.queries.perRequest,
        ...(probe === undefined || r.impl === PROBE_IMPL ? {} : { probeP50: probe.latencyMs.p50, probeP95: probe.latencyMs.p95 }),
      });
    }
  }
  const steps: HistoryStep[] = [];
  for (const s of series.values()) {
    const step = (metric: HistoryMetric, index: number, before: number, after: number, pValue: number | null): HistoryStep => {
      const point = s.points[index] as HistoryPoint;
      return { scenario: s.scenario, dialect: s.dialect, impl: s.impl, metric, commit: point.commit, date: point.date, before, after, change: after / before - 1, pValue };
    };
    // One latency change point moves p50 and p95 together: both in one series of points, each
    // coordinate the log of the figure (over the drift probe's in the same run, when every run has it)
    // scaled by its own run-to-run noise.
    const relative = o.relativeToProbe && s.points.every((p) => p.probeP50 !== undefined && p.probeP95 !== undefined);
    if (relative) s.driftRemovedBy = 'probe';
    const logs = (['p50', 'p95'] as const).map((metric) =>
      s.points.map((p) => Math.log(p[metric]) - (relative ? Math.log((metric === 'p50' ? p.probeP50 : p.probeP95) as number) : 0)),
    );
    const scales = logs.map(noiseScale);
    const points = s.points.map((_, i) => logs.map((series, d) => (series[i] as number) / (scales[d] as number)));
    // Query-count steps are certain: the latency series is split there before it is searched.
    const querySteps = exactSteps(s.points.map((p) => p.queries));
    const changePoints = eDivisiveMultivariate(points, { ...o, known: querySteps.map((q) => q.index) });
    const bounds = [0, ...[...querySteps.map((q) => q.index), ...changePoints.map((c) => c.index)].sort((a, b) => a - b), s.points.length];
    for (const cp of changePoints) {
      const i = bounds.indexOf(cp.index);
      for (const metric of ['p50', 'p95'] as const) {
        // Levels in ms: medians of the figures between the neighbouring steps.
        const before = median(s.points.slice(bounds[i - 1], cp.index).map((p) => p[metric]));
        const after = median(s.points.slice(cp.index, bounds[i + 1]).map((p) => p[metric]));
        if (Math.abs(after / before - 1) >= o.minChange) steps.push(step(metric, cp.index, before, after, cp.pValue));
      }
    }
    for (const q of querySteps) steps.push(step('queries', q.index, q.before, q.after, null));
  }
  const order = new Map(entries.map((e, i) => [e.commit, i]));
  steps.sort((a, b) => (order.get(a.commit) ?? 0) - (order.get(b.commit) ?? 0));
  return {
    kind: 'querygate-history',
    range,
    commits,
    withResults: entries.length,
    method: `E-Divisive means (Matteson & James 2014, alpha 1) on (log p50, log p95)${o.relativeToProbe ? ' over the drift probe of the same run where every commit has it,' : ''} scaled by their run-to-run noise, each split kept when a ${o.permutations}-permutation test gives p <= ${o.significance}; latency steps under ${Math.round(o.minChange * 100)}% not reported; query counts: every change, exact`,
    options: o,
    series: [...series.values()],
    steps,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * A series' run-to-run noise, robust to its steps: the median absolute successive difference,
 * scaled to a standard deviation (MAD / 0.6745, and / sqrt 2 for a difference of two runs).
 */
export function noiseScale(series: readonly number[]): number {
  const diffs = series.slice(1).map((v, i) => Math.abs(v - (series[i] as number))).sort((a, b) => a - b);
  if (diffs.length === 0) return 1;
  const mid = diffs.length >> 1;
  const mad = diffs.length % 2 === 1 ? (diffs[mid] as number) : ((diffs[mid - 1] as number) + (diffs[mid] as number)) / 2;
  const scale = mad / 0.6745 / Math.SQRT2;
  return scale > 1e-12 ? scale : 1;
}

/**
 * `history` reports; gates and compare decide. Its verdict only asks for evidence: at least one
 * readable result note in the range (unreadable ones are skipped and named, never fatal).
 */
export function historyVerdict(range: string, commits: number, entries: number): Verdict {
  return verdictOf(entries > 0 ? [] : [{ kind: 'missing-evidence', message: `none of the ${commits} first-parent commits of ${range} has a readable result note` }]);
}
