import { gatesOf, type GateId, type Scenario } from '../../scenarios/scenario.js';
import { thresholdsFor, type Thresholds } from '../../scenarios/thresholds.js';
import { REFERENCE_IMPL, type GateResult, type MeasuredRun, type PairedComparison, type QuantileEstimate, type RatioResult, type ScenarioResult } from '../core/result.js';
import { batchedQuantileInterval } from '../stats/batched-quantile-interval.js';
import { roundedSamplesOf } from '../stats/rounded-samples.js';
import { minSamplesForQuantileInterval, quantileInterval } from '../stats/quantile-interval.js';
import { FINGERPRINT_VERSION, fullScansOf } from '../instrument/fingerprint.js';
import { EXACT_GROWTH_TOLERANCE, exactCostRegressions } from './exact-cost-growth.js';
import { formatMs, mdeNote } from '../core/format.js';
import { MIN_PAIRED_ROUNDS } from '../core/defaults.js';

export { DEFAULT_THRESHOLDS, type Thresholds } from '../../scenarios/thresholds.js';

/** The fewest paired rounds whose signed-rank interval reaches 99%: fewer judge nothing. */
export { MIN_PAIRED_ROUNDS };

/**
 * p95 with its distribution-free 95% interval, from the raw samples (never a stored figure): over
 * the rounds in time order when the result knows them (slow drift of the machine makes the
 * order-statistic interval of independent samples too narrow: npm run bench:coverage), else the
 * order-statistic interval. `ci` is null below 59 samples.
 */
export function p95EstimateOf(result: Pick<ScenarioResult, 'rawSamples' | 'sampleRounds'>): QuantileEstimate {
  const rounded = roundedSamplesOf(result);
  return rounded === null ? quantileInterval(result.rawSamples, 95) : batchedQuantileInterval(rounded, 95);
}

/**
 * `run --against REF`: the implementation under test must be no slower than REF's, judged on the
 * paired round ratios, and run no more statements than REF's in any request kind. Both gates are
 * added to every scenario of the implementation under test.
 */
export function applyAgainstGates(measured: MeasuredRun): 'pass' | 'fail' {
  // A side that is missing or errored is no gate here: the run's verdict names it as missing evidence.
  let pass = true;
  for (const pair of measured.pairs ?? []) {
    if (pair.kind !== 'against') continue;
    const subject = measured.results.find((r) => r.scenario === pair.scenario && r.dialect === pair.dialect && r.impl === pair.subject);
    const reference = measured.results.find((r) => r.scenario === pair.scenario && r.dialect === pair.dialect && r.impl === pair.reference);
    if (subject === undefined || reference === undefined || subject.state === 'errored' || reference.state === 'errored') {
      pass = false;
      continue;
    }
    const limit = 1 + pair.minEffect;
    const interval = `${pair.ratio.toFixed(3)}x [${pair.ci[0].toFixed(3)}, ${pair.ci[1].toFixed(3)}]`;
    const slower = pair.verdict === 'slower';
    subject.gates.push(
      gate('no-slowdown-vs-ref', !slower && pair.rounds >= MIN_PAIRED_ROUNDS, `${interval}, ${pair.rounds} rounds`, `${Math.round(pair.confidence * 100)}% interval not above ${limit.toFixed(2)}x`,
        pair.rounds < MIN_PAIRED_ROUNDS
          ? `too few paired rounds (${pair.rounds}) to judge against ${pair.reference}`
          : `${pair.subject} / ${pair.reference} per-round median ratio ${interval} (${Math.round(pair.confidence * 100)}% interval); ${slower ? 'slower' : 'not slower'} than ${limit.toFixed(2)}x; smallest detectable slowdown in this run ${(pair.mde * 100).toFixed(1)}%${mdeNote(pair)}`),
    );
    const grown = Object.entries(subject.queries.byRequest).filter(([label, n]) => n > (reference.queries.byRequest[label] ?? Number.POSITIVE_INFINITY));
    const shown = grown.map(([label, n]) => `${label}: ${reference.queries.byRequest[label]} -> ${n}`).join(', ');
    subject.gates.push(
      gate('queries-not-above-ref', grown.length === 0, grown.length === 0 ? `${subject.queries.perRequest} vs ${reference.queries.perRequest}` : shown, `<= ${pair.reference} per request kind`,
        grown.length === 0 ? `no request kind runs more statements than at ${pair.reference}` : `more statements than ${pair.reference}: ${shown}`),
    );
    // Exact cost, when both sides gathered plans: a new full scan, a plan shape change, rows read or buffers grown.
    if (subject.queries.plans !== undefined && reference.queries.plans !== undefined) {
      const grownCost = exactCostRegressions(reference, subject, `${pair.scenario}, ${pair.dialect}`);
      subject.gates.push(
        gate('exact-cost-not-above-ref', grownCost.length === 0, grownCost.length === 0 ? 'same' : `${grownCost.length} grown`,
          `no new scan, plan change, or rows/buffers over +${Math.round(EXACT_GROWTH_TOLERANCE * 100)}% vs ${pair.reference}`,
          grownCost.length === 0 ? `plans, rows read and buffers per request as at ${pair.reference}` : `${grownCost[0] ?? ''}${grownCost.length > 1 ? ` (+${grownCost.length - 1} more)` : ''}`),
      );
    }
    if (subject.gates.some((g) => !g.pass)) pass = false;
  }
  return pass ? 'pass' : 'fail';
}

/**
 * Judges the implementation under test: fills `gates` of its results and returns the verdict.
 * Query gates are exact; latency gates read the point estimate and state its interval.
 */
export function applyGates(
  results: ScenarioResult[],
  ratios: readonly RatioResult[],
  scenarios: readonly Scenario[],
  implUnderTest: string,
  thresholds: Thresholds,
  pairs: readonly PairedComparison[] = [],
): 'pass' | 'fail' {
  let pass = true;
  let judged = 0;
  for (const result of results) {
    if (result.impl !== implUnderTest) continue;
    judged += 1;
    const scenario = scenarios.find((s) => s.name === result.scenario);
    if (result.state === 'errored') {
      pass = false;
      continue;
    }
    const reference = results.find((r) => r.scenario === result.scenario && r.dialect === result.dialect && r.impl === REFERENCE_IMPL);
    const ratio = ratios.find(
      (r) => r.scenario === result.scenario && r.dialect === result.dialect && r.numerator === implUnderTest && r.denominator === REFERENCE_IMPL,
    );
    const baselinePair = pairs.find((p) => p.kind === 'baseline' && p.scenario === result.scenario && p.dialect === result.dialect && p.subject === implUnderTest);
    // The scenario's own thresholds over the run's (scenarios/thresholds.ts says why that way round).
    const own = thresholdsFor(scenario, thresholds);
    result.gates = (scenario === undefined ? [] : gatesOf(scenario)).map((id) => judge(id, result, reference, ratio, baselinePair, own));
    if (result.gates.some((g) => !g.pass)) pass = false;
  }
  // A run that measured nothing of the implementation under test has proven nothing.
  return pass && judged > 0 ? 'pass' : 'fail';
}

function judge(
  id: GateId,
  result: ScenarioResult,
  reference: ScenarioResult | undefined,
  ratio: RatioResult | undefined,
  baselinePair: PairedComparison | undefined,
  t: Thresholds,
): GateResult {
  switch (id) {
    case 'p95-under-budget': {
      // The distribution-free interval of p95, from the raw samples (never a stored figure); a p95 of
      // too few samples (under 59 at 95%) has none and judges nothing.
      if (result.rawSamples.length === 0) {
        return gate(id, false, `${formatMs(result.latencyMs.p95)} ms, no raw samples`, `< ${t.p95Ms} ms`, 'no raw samples: the p95 cannot be judged against the budget');
      }
      const estimate = p95EstimateOf(result);
      const { value: p95, ci, n } = estimate;
      if (ci === null) {
        return gate(id, false, `${formatMs(p95)} ms, n ${n}`, `< ${t.p95Ms} ms`,
          `p95 of ${n} samples has no 95% interval (it needs ${minSamplesForQuantileInterval(95)}): too few samples to judge the budget`);
      }
      const ok = p95 < t.p95Ms;
      const interval = `[95% CI ${formatMs(ci[0])}-${formatMs(ci[1])}, n ${n}]`;
      return gate(id, ok, `${formatMs(p95)} ms ${interval}`, `< ${t.p95Ms} ms`, `p95 ${formatMs(p95)} ms ${interval} ${ok ? 'under' : 'not under'} ${t.p95Ms} ms`);
    }
    case 'queries-at-most-max': {
      const n = result.queries.perRequest;
      const worst = Object.entries(result.queries.byRequest).sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
      return gate(id, n <= t.maxQueries, String(n), `<= ${t.maxQueries}`,
        `${n} queries per request at most (${worst})${result.queries.n1Suspects[0] ? `; N+1 suspect: ${result.queries.n1Suspects[0].count}x ${result.queries.n1Suspects[0].fingerprint.slice(0, 80)}` : ''}`);
    }
    case 'queries-constant-in-page-size': {
      const counts = Object.entries(result.queries.byRequest);
      const distinct = new Set(counts.map(([, n]) => n));
      const shown = counts.map(([label, n]) => `${label}: ${n}`).join(', ');
      return gate(id, distinct.size <= 1, shown, 'equal at every page size',
        distinct.size <= 1 ? `the same query count at every page size (${shown})` : `query count grows with the page size (${shown})`);
    }
    case 'same-response-as-baseline': {
      if (result.sameResponse === null) {
        return gate(id, false, 'not compared', `identical to ${REFERENCE_IMPL}`, `${REFERENCE_IMPL} did not run, so responses could not be compared`);
      }
      return gate(id, result.sameResponse, result.sameResponse ? 'identical' : 'different', `identical to ${REFERENCE_IMPL}`,
        result.sameResponse ? `every response byte-identical to ${REFERENCE_IMPL}'s` : `responses differ: ${result.responseDiff ?? ''}`);
    }
    case 'not-slower-than-baseline':
      return judgeAgainstBaseline(result, reference, ratio, baselinePair, t);
    case 'no-new-full-scan':
      return judgeFullScans(result, t);
    case 'same-queries-as-snapshot':
      return judgeSnapshot(result);
  }
}

/**
 * No regression against the baseline: no more statements, and neither the paired per-round
 * median ratio (both measured side by side in the same rounds) nor the p95 ratio significantly
 * above 1 + the tolerance. Each latency figure is judged only on samples enough for its
 * interval: a p95 needs 59 on each side, the paired ratio 8 rounds; with neither, nothing
 * latency-wise was proven and the gate fails saying so.
 */
function judgeAgainstBaseline(
  result: ScenarioResult,
  reference: ScenarioResult | undefined,
  ratio: RatioResult | undefined,
  pair: PairedComparison | undefined,
  t: Thresholds,
): GateResult {
  const id = 'not-slower-than-baseline';
  if (reference === undefined || reference.state === 'errored') {
    const why = reference === undefined ? 'did not run on this scenario' : `could not be measured: ${reference.error ?? 'errored'}`;
    return gate(id, false, 'not compared', `vs ${REFERENCE_IMPL}`, `${REFERENCE_IMPL} ${why}`);
  }
  const limit = 1 + t.detailTolerancePct / 100;
  const threshold = `lower ends of the paired and p95 ratio intervals not above ${limit.toFixed(2)}, queries <= ${REFERENCE_IMPL}'s`;
  const queries = `${result.queries.perRequest} vs ${reference.queries.perRequest} queries`;
  const moreQueries = result.queries.perRequest > reference.queries.perRequest;
  const moreText = moreQueries ? `more queries than ${REFERENCE_IMPL}; ` : '';
  if (result.impl === REFERENCE_IMPL) return gate(id, true, `same impl, ${queries}`, threshold, `the implementation under test is ${REFERENCE_IMPL} itself`);

  const pairJudged = pair !== undefined && pair.rounds >= MIN_PAIRED_ROUNDS;
  const pairText = pair === undefined ? 'no paired rounds' : `per-round median ratio ${pair.ratio.toFixed(2)} [${pair.ci[0].toFixed(2)}-${pair.ci[1].toFixed(2)}] (${Math.round(pair.confidence * 100)}%, ${pair.rounds} rounds${pairJudged ? '' : `, too few to judge: it needs ${MIN_PAIRED_ROUNDS}`})`;
  const needed = minSamplesForQuantileInterval(95);
  const [n, m] = [result.samples, reference.samples];
  const p95Judged = ratio !== undefined && n >= needed && m >= needed;
  const p95Text = ratio === undefined ? 'no p95 ratio' : `p95 ratio ${ratio.p95.toFixed(2)} [${ratio.p95Ci[0].toFixed(2)}-${ratio.p95Ci[1].toFixed(2)}] (n ${n} / ${m}${p95Judged ? '' : `, too few to judge: a p95 interval needs ${needed} on each side`})`;
  const slower = [pairJudged && (pair?.ci[0] ?? 0) > limit ? 'per-round median' : '', p95Judged && (ratio?.p95Ci[0] ?? 0) > limit ? 'p95' : ''].filter((s) => s !== '');
  const latencyText = `${pairText}; ${p95Text}`;
  if (!pairJudged && !p95Judged) {
    return gate(id, false, `not judged, ${queries}`, threshold, `${moreText}too few samples to judge the latency against ${REFERENCE_IMPL}: ${latencyText}`);
  }
  // The cell carries the intervals the gate judged: a p95 of 1.13x passes when its interval reaches below the limit.
  const actual = [
    pairJudged && pair !== undefined ? `median ${pair.ratio.toFixed(2)}x [${pair.ci[0].toFixed(2)}, ${pair.ci[1].toFixed(2)}]` : '',
    p95Judged && ratio !== undefined ? `p95 ${ratio.p95.toFixed(2)}x [${ratio.p95Ci[0].toFixed(2)}, ${ratio.p95Ci[1].toFixed(2)}]` : '',
    queries,
  ].filter((s) => s !== '').join(', ');
  return gate(id, !moreQueries && slower.length === 0, actual, threshold,
    `${moreText}${slower.length > 0 ? `significantly slower than ${REFERENCE_IMPL} (${slower.join(' and ')}); ` : ''}${latencyText}`);
}

/** Exact: every table over the threshold that a plan reads in full must be accepted in the snapshot. */
function judgeFullScans(result: ScenarioResult, t: Thresholds): GateResult {
  const id = 'no-new-full-scan';
  const threshold = `no table over ${t.fullScanRows} rows read in full unless accepted`;
  if (result.queries.plans === undefined) return notJudged(id, threshold, 'plans were not gathered (--no-plans)');
  const accepted = new Set(result.queries.snapshot?.acceptedScans ?? []);
  const scans = new Set(fullScansOf(result));
  const fresh = [...scans].filter((s) => !accepted.has(s)).sort();
  const snapshot = result.queries.snapshot;
  // Whether a scan is acceptable depends on the data's size: only a snapshot of this profile can say.
  if (fresh.length > 0 && (snapshot === undefined || snapshot.status === 'not-judged' || snapshot.status === 'missing')) {
    return notJudged(id, threshold, `${fresh.length} full scan${fresh.length === 1 ? '' : 's'} (${[...new Set(fresh.map((s) => s.split(' <- ')[0]))].join(', ')}) and no snapshot of this profile to accept or refuse them: not judged`);
  }
  const where = snapshot?.file ?? 'no snapshot';
  if (fresh.length === 0) {
    const n = scans.size;
    return gate(id, true, n === 0 ? 'none' : `${n} accepted`, threshold,
      n === 0 ? `no table over ${t.fullScanRows} rows read in full` : `${n} full scan${n === 1 ? '' : 's'}, each accepted in ${where}: ${[...scans].map((s) => s.split(' <- ')[0]).join(', ')}`);
  }
  const first = fresh[0] ?? '';
  const pending = snapshot?.pendingScans ?? [];
  const howToAccept = pending.length === 0 ? '' : `; after review, accept with --update-snapshots --accept-full-scan ${[...new Set(pending.map((s) => s.split(' <- ')[0]))].join(' --accept-full-scan ')}`;
  return gate(id, false, `${fresh.length} new`, threshold,
    `reads ${first.replace(' <- ', ' in full: ').slice(0, 220)}${fresh.length > 1 ? ` (+${fresh.length - 1} more)` : ''}; not accepted in ${where}${howToAccept}`);
}

function judgeSnapshot(result: ScenarioResult): GateResult {
  const id = 'same-queries-as-snapshot';
  const snapshot = result.queries.snapshot;
  if (snapshot === undefined) return notJudged(id, 'identical to the snapshot', 'no snapshot was checked (plans off, or not asked for)');
  const threshold = `identical to ${snapshot.file}`;
  switch (snapshot.status) {
    case 'matched':
      return gate(id, true, 'identical', threshold, `statements, plan shapes and exact costs identical to ${snapshot.file}`);
    case 'written':
      return gate(id, true, 'written', threshold, `no snapshot yet: wrote ${snapshot.file} (review and commit it)`);
    case 'updated':
      return gate(id, true, 'updated', threshold, `rewrote ${snapshot.file} (--update-snapshots): review its diff`);
    case 'missing':
      return gate(id, false, 'missing', threshold, `no snapshot ${snapshot.file} and CI is set: run \`npx querygate run --update-snapshots\` and commit it`);
    case 'not-judged':
      return notJudged(id, threshold, `no snapshot for this fixture profile and seed (${snapshot.file}): not judged; \`--update-snapshots\` writes one`);
    case 'differs': {
      const version = snapshot.normalizationVersion;
      const why = version !== undefined && version !== FINGERPRINT_VERSION
        ? `fingerprint normalization changed from v${version} to v${FINGERPRINT_VERSION}, so fingerprints may differ; `
        : '';
      const changed = (snapshot.diff ?? '').split('\n').filter((l) => l.startsWith('- ') || l.startsWith('+ '));
      const first = changed[0] ?? '';
      return gate(id, false, `${changed.length} lines differ`, threshold,
        `${why}differs from ${snapshot.file} (- snapshot, + this run): ${first.length > 160 ? `${first.slice(0, 157)}...` : first}${changed.length > 1 ? ` (+${changed.length - 1} more changed lines)` : ''}`);
    }
  }
}

function notJudged(id: string, threshold: string, why: string): GateResult {
  return { id, pass: true, actual: 'not judged', threshold, message: why, judged: false };
}

function gate(id: string, pass: boolean, actual: string, threshold: string, message: string): GateResult {
  return { id, pass, actual, threshold, message };
}
