/**
 * What a comparison says beside its verdict: findings (a floor that moved beyond the machine's
 * drift), warnings (fixtures, environments, drift, missing probes) and its sensitivity.
 */
import { formatInterval, formatRatio } from '../core/format.js';
import { PROBE_IMPL, type Dialect, type RunResult } from '../core/result.js';
import type { ComparedPair, Comparison } from './compare.js';

const floorImpl = 'floor';

/** A floor that moved beyond the machine's drift: shared code (page query, handler, schema, indexes, driver) changed speed. */
export function findings(pairs: readonly ComparedPair[]): string[] {
  const out: string[] = [];
  for (const pair of pairs) {
    if (pair.afterImpl !== floorImpl || pair.role !== 'same-name') continue;
    const change = pair.p50;
    if (change?.corrected === undefined || (change.verdict !== 'regressed' && change.verdict !== 'improved')) continue;
    out.push(
      `the floor got ${change.verdict === 'regressed' ? 'slower' : 'faster'} on ${pair.dialect} (${pair.scenario}): p50 ${formatRatio(change.corrected.ratio)} ` +
        `${formatInterval(change.corrected.ci, formatRatio)} of before after the machine's drift (the probe) is taken out; ` +
        'the floor shares the page query, the handler, the schema, the indexes and the driver with the implementations, so they moved too',
    );
  }
  return out;
}

export function sensitivity(pairs: readonly ComparedPair[]): Comparison['sensitivity'] {
  const at = pairs.flatMap((p) =>
    p.role === 'under-test' && p.p50 !== null && p.p50.detectable !== null ? [{ scenario: p.scenario, dialect: p.dialect, ratio: p.p50.detectable }] : [],
  );
  if (at.length === 0) return null;
  const sorted = [...at].sort((x, y) => x.ratio - y.ratio);
  return { best: sorted[0]!, worst: sorted[sorted.length - 1]! };
}

export function warnings(before: RunResult, after: RunResult, pairs: readonly ComparedPair[]): string[] {
  const out: string[] = [];
  const bf = before.fixture;
  const af = after.fixture;
  if (bf.checksum !== af.checksum) {
    out.push(`the fixtures differ (before ${bf.profile}, seed ${bf.seed}, ${bf.checksum}; after ${af.profile}, seed ${af.seed}, ${af.checksum}): counts and latencies may differ for that reason alone`);
  }
  const be = before.environment;
  const ae = after.environment;
  const differences: string[] = [];
  if (be.cpu !== ae.cpu || be.cpus !== ae.cpus) differences.push(`cpu ${be.cpus} x ${be.cpu} vs ${ae.cpus} x ${ae.cpu}`);
  if (be.node !== ae.node) differences.push(`node ${be.node} vs ${ae.node}`);
  for (const dialect of Object.keys({ ...be.databases, ...ae.databases }) as Dialect[]) {
    const b = be.databases[dialect];
    const a = ae.databases[dialect];
    if (b !== undefined && a !== undefined && a !== b) differences.push(`${dialect} ${b} vs ${a}`);
  }
  if (be.rttMs !== ae.rttMs) differences.push(`injected round trip ${be.rttMs ?? 'none'} vs ${ae.rttMs ?? 'none'} ms`);
  if (differences.length > 0) out.push(`the environments differ (${differences.join('; ')}): latency ratios carry that difference too`);
  const probeMissing = pairs.some((p) => p.role === 'under-test' && p.p50 !== null && p.p50.ci !== null && p.p50.corrected === undefined && p.p50.driftNotCorrected === undefined);
  const vague = pairs.filter((p) => p.role === 'under-test' && [p.p50, p.p95].some((c) => c?.driftNotCorrected !== undefined));
  if (vague.length > 0) {
    out.push(`not corrected for drift: ${vague.map((p) => `${p.scenario} on ${p.dialect}`).join(', ')}: the probe's own change between the runs was less precise than the figure, so dividing by it would add more noise than drift it removes`);
  }
  if (probeMissing) {
    out.push(`no drift probe (${PROBE_IMPL}) in both runs for some pairs: their ratios carry the machine's drift between the runs`);
  }
  for (const pair of pairs) {
    if (pair.role !== 'same-name' || pair.p50 === null || pair.p50.ci === null) continue;
    const moved = pair.p50.verdict === 'regressed' || pair.p50.verdict === 'improved';
    if (moved && pair.afterImpl === PROBE_IMPL) {
      out.push(`the machine drifted on ${pair.dialect}: the probe's p50 is ${formatRatio(pair.p50.ratio)} ${formatInterval(pair.p50.ci, formatRatio)} of before (divided out of the ratios under test)`);
    }
    if (moved && pair.afterImpl === floorImpl && pair.p50.corrected === undefined) {
      out.push(`the floor moved on ${pair.dialect} (${pair.scenario}): p50 ${formatRatio(pair.p50.ratio)} ${formatInterval(pair.p50.ci, formatRatio)} of before; without a drift probe in both runs the machine and the code the floor shares cannot be told apart`);
    }
  }
  const noInterval = pairs.filter((p) => p.role === 'same-name' && p.p50?.verdict === 'no-interval');
  if (noInterval.length > 0) {
    out.push(`${noInterval.length} other pairs lack raw samples on one side: their latency ratios have no interval`);
  }
  return out;
}
