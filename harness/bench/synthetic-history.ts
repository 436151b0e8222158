import type { HistoryEntry } from '../judge/history.js';
import { createRandom } from '../stats/random.js';
import type { RunResult, ScenarioResult } from '../core/result.js';
import { percentile, sortSamples } from '../stats/statistics.js';

/** A synthetic history of one series (list-50 on SQLite, fixed): how each commit's run is simulated. */
export interface SyntheticHistoryOptions {
  /** @default 100 */
  commits: number;
  seed: number;
  /** Index of the first commit that is slower by `latencyStep` (none when undefined). */
  latencyStepAt?: number | undefined;
  /** @default 0.15 */
  latencyStep: number;
  /** Index of the first commit that runs one more statement per request, which costs `queryStepLatency` more time. */
  queryStepAt?: number | undefined;
  /** @default 0.03 */
  queryStepLatency: number;
  /** Timed requests per run (a --quick run takes 60). @default 60 */
  samplesPerRun: number;
  /** Per request: lognormal sigma (about the CV), plus 3% slow outliers at 1.5-2.5x. @default 0.15 */
  sampleSigma: number;
  /**
   * Between runs: the machine's speed, lognormal with an AR(1) part (phi 0.3), as CI runners vary
   * from job to job and a little from hour to hour. @default 0.03
   */
  driftSigma: number;
  /** @default 3 */
  baseMs: number;
  /** The drift probe's median (it runs beside in every run, with the same drift), or none. @default 1.8 */
  probeMs: number | null;
}

export const DEFAULT_SYNTHETIC: Omit<SyntheticHistoryOptions, 'seed'> = {
  commits: 100,
  latencyStep: 0.15,
  queryStepLatency: 0.03,
  samplesPerRun: 60,
  sampleSigma: 0.15,
  driftSigma: 0.03,
  baseMs: 3,
  probeMs: 1.8,
};

/** One commit per entry, oldest first, each with a result holding one scenario of the implementation under test. */
export function syntheticHistory(options: Partial<SyntheticHistoryOptions> & { seed: number }): HistoryEntry[] {
  const o = { ...DEFAULT_SYNTHETIC, ...options };
  const random = createRandom(o.seed);
  let drift = 0;
  const entries: HistoryEntry[] = [];
  for (let i = 0; i < o.commits; i++) {
    drift = 0.3 * drift + Math.sqrt(1 - 0.09) * o.driftSigma * random.normal();
    const stepped = o.latencyStepAt !== undefined && i >= o.latencyStepAt ? 1 + o.latencyStep : 1;
    const queried = o.queryStepAt !== undefined && i >= o.queryStepAt;
    const median = o.baseMs * Math.exp(drift) * stepped * (queried ? 1 + o.queryStepLatency : 1);
    const draw = (ms: number) =>
      Array.from({ length: o.samplesPerRun }, () => {
        const tail = random.next() < 0.03 ? 1.5 + random.next() : 1;
        return ms * Math.exp(o.sampleSigma * random.normal()) * tail;
      });
    const samples = draw(median);
    const sorted = sortSamples(samples);
    const p50 = percentile(sorted, 50);
    const p95 = percentile(sorted, 95);
    const results = [scenarioOf('fixed', samples, p50, p95, queried ? 6 : 5)];
    if (o.probeMs !== null) {
      const probeSamples = draw(o.probeMs * Math.exp(drift));
      const probeSorted = sortSamples(probeSamples);
      results.push(scenarioOf('probe', probeSamples, percentile(probeSorted, 50), percentile(probeSorted, 95), 1));
    }
    const commit = `${i.toString(16).padStart(8, '0')}${'0'.repeat(32)}`;
    const date = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();
    entries.push({ commit, date, subject: `commit ${i}`, result: runOf(results, date) });
  }
  return entries;
}

function scenarioOf(impl: string, samples: number[], p50: number, p95: number, queries: number): ScenarioResult {
  return {
    scenario: 'list-50',
    dialect: 'sqlite',
    impl,
    state: 'completed',
    samples: samples.length,
    latencyMs: { p50, p95, p99: p95, mean: p50, min: Math.min(...samples), max: Math.max(...samples), p95Ci: [p95, p95], count: samples.length },
    queries: { perRequest: queries, perRequestMin: queries, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'limit=50': queries } },
    rowsPerRequest: 0,
    dbTimeMs: 0,
    sameResponse: true,
    gates: [],
    rawSamples: samples,
  };
}

function runOf(results: ScenarioResult[], startedAt: string): RunResult {
  return {
    schemaVersion: 1,
    tool: 'querygate',
    startedAt,
    durationMs: 0,
    verdict: 'pass',
    implUnderTest: 'fixed',
    options: {},
    environment: { node: 'synthetic', os: 'synthetic', cpu: 'synthetic', cpus: 2, memoryGiB: 4, databases: {}, gitCommit: null, gitDirty: null },
    fixture: { profile: 'small', seed: 42, generatorVersion: 1, checksum: 'synthetic', rowCounts: {} },
    results,
    ratios: [],
    errors: [],
  };
}
