import { MIN_EFFECT, PAIRED_CONFIDENCE } from '../core/defaults.js';
import type { Knex } from 'knex';
import type { Scenario } from '../../scenarios/scenario.js';
import type { QueryRecorder } from '../instrument/query-recorder.js';
import { pairedRatio, pairRounds } from '../stats/paired-statistics.js';
import { blockBootstrapRatioCi } from '../stats/round-bootstrap.js';
import { PROBE_IMPL, REFERENCE_IMPL, type Dialect, type PairedComparison, type ScenarioResult } from '../core/result.js';
import { summarize } from '../stats/statistics.js';
import { LoopbackEndpoint, type Exchange } from './loopback-endpoint.js';
import { resolveRequests, type ResolvedRequest } from './resolve-requests.js';
import type { ContenderSamples, SamplingOutcome } from './sampler.js';
import type { SamplingOptions } from './sampling-options.js';
import { scenarioResult } from './scenario-result.js';
import { handlerFactoryFor, withoutForm, type ExtraImplementations } from './served-implementation.js';
import { timeSides, type SideContender, type SidePair, type TimedSides } from './timed-sides.js';

export { N1_THRESHOLD } from './scenario-result.js';
/** Stands for an unbounded interval end in JSON (which has no Infinity). */
const NO_BOUND = 1e9;

export interface ScenarioRunInput {
  db: Knex;
  recorder: QueryRecorder;
  dialect: Dialect;
  scenario: Scenario;
  /** Implementations to serve and measure, by the names their results get. */
  impls: readonly string[];
  /** The judged implementation; every other one is a reference sampled only for its own figures. */
  implUnderTest?: string | undefined;
  /** Judge the implementation under test against this one, side by side (e.g. "fixed@main"). */
  against?: string | undefined;
  /** Judge the implementation under test against a second copy of itself (the A/A noise floor). */
  aaCopy?: boolean | undefined;
  /**
   * Judge the implementation under test against the baseline side by side (both get a slice of
   * every round), flagging a slowdown beyond this fraction: where a scenario's gate compares the
   * two (detail). Without it the baseline is a reference with a few samples for its own figures.
   */
  baselineTolerance?: number | undefined;
  /** Also time the implementation under test without instrumentation (overhead figure). */
  overhead?: boolean | undefined;
  /** Serve the harness's drift probe beside the implementations. */
  probe?: boolean | undefined;
  /** Implementations served beside src/'s registry (injected regressions, another revision's). */
  extra?: ExtraImplementations | undefined;
  /**
   * Implementations served from a database of their own instead of `db` (`run --against` when
   * REF's schema differs), each with its recorder, by name; the A/A and uninstrumented copies follow.
   */
  ownDatabases?: ReadonlyMap<string, { db: Knex; recorder: QueryRecorder }> | undefined;
  minEffect?: number | undefined;
  seed: number;
  sampling: SamplingOptions;
  onProgress?: ((message: string) => void) | undefined;
  /** Stops the sampling between requests. */
  signal?: AbortSignal | undefined;
}

export interface ScenarioRunOutput {
  results: ScenarioResult[];
  /** The judged pairs of this scenario (A/A, --against, against the baseline). */
  pairs: PairedComparison[];
  /**
   * `--against`: REF's implementation answered the scenario's requests 404 or 405 where the
   * working tree's answered 200 (a route new since REF). REF's side was dropped before timing:
   * it has no result and no pair here.
   */
  newSinceRef?: boolean;
}

const uninstrumented = (impl: string) => `${impl} (uninstrumented)`;
const aaCopyOf = (impl: string) => `${impl} (A/A)`;

/** Who is served in a scenario: every contender (with its role) and the pairs to judge. */
interface LineUp {
  subject: string | undefined;
  served: Omit<SideContender, 'endpoint' | 'recorder'>[];
  pairs: PairToJudge[];
}

/**
 * Measures one scenario on one database for every implementation: a profiling pass (query logs
 * with call sites, responses), a warm-up, then timed rounds (see sampler.ts), then the figures
 * of each implementation and the paired verdicts. A side that fails a request is not timed (or
 * is dropped from the rounds): its result says why, and every other side is measured.
 */
export async function runScenario(scenarioInput: ScenarioRunInput): Promise<ScenarioRunOutput> {
  const requests = await resolveRequests(scenarioInput.db, scenarioInput.scenario, scenarioInput.seed);
  // Implementations without a form of the scenario's routes are not served on it.
  const unserved = withoutForm(scenarioInput.impls, requests.map((r) => r.path), [scenarioInput.implUnderTest ?? ''], scenarioInput.extra);
  const input = unserved.length === 0 ? scenarioInput : { ...scenarioInput, impls: scenarioInput.impls.filter((impl) => !unserved.includes(impl)) };
  const lineUp = lineUpOf(input);
  const endpoints = new Map<string, SideContender>();
  // Every recorder a contender is served through (the shared database's, and each own database's).
  const recorders = [input.recorder, ...[...(input.ownDatabases?.values() ?? [])].map((o) => o.recorder)];
  const captureCallSites = (on: boolean) => {
    for (const r of recorders) r.captureCallSites = on;
  };
  try {
    for (const side of lineUp.served) {
      const own = input.ownDatabases?.get(side.impl) ?? { db: input.db, recorder: input.recorder };
      const endpoint = await LoopbackEndpoint.start(own.db, side.key, handlerFactoryFor(side.impl, input.extra), side.instrumented ? own.recorder : null, input.sampling.concurrency);
      endpoints.set(side.key, { ...side, endpoint, recorder: own.recorder });
    }
    // Profiling pass: the full query log of every request, and every response for comparison.
    captureCallSites(true);
    const profiled = new Map<string, Exchange[]>();
    for (const impl of input.impls) {
      const endpoint = endpoints.get(impl)?.endpoint as LoopbackEndpoint;
      const exchanges: Exchange[] = [];
      for (const r of requests) exchanges.push(await endpoint.send(r.path));
      profiled.set(impl, exchanges);
    }
    captureCallSites(false);

    const newSinceRef = input.against !== undefined && refCannotServe(profiled.get(input.against), profiled.get(lineUp.subject ?? ''));
    // A side that failed a request in the profiling pass is not timed: its result says why.
    const untimed = new Set(input.impls.filter((impl) => profiled.get(impl)?.some((e) => e.status !== 200)));
    const contenders = [...endpoints.values()].filter((c) => !untimed.has(c.impl));
    for (let round = 0; round < input.sampling.warmupRounds; round++) {
      for (const c of contenders) for (const r of requests) await c.endpoint.send(r.path);
    }
    const sides = await timeSides(contenders, requests, input.sampling, lineUp.pairs, input.signal);
    const measured = input.impls.filter((impl) => !(newSinceRef && impl === input.against));
    const results = resultsOf(input, requests, measured, profiled, sides);
    const judgedPairs = sides.pairs.map((pair) => judgeSides(input, pair, sides.timed, results.find((r) => r.impl === lineUp.subject)));
    return { results, pairs: judgedPairs, ...(newSinceRef ? { newSinceRef } : {}) };
  } finally {
    captureCallSites(false);
    for (const c of endpoints.values()) await c.endpoint.close();
  }
}

/** The contenders of a scenario and their roles: what is judged, what is a reference, the copies and the probe. */
function lineUpOf(input: ScenarioRunInput): LineUp {
  const { impls } = input;
  const subject = input.implUnderTest !== undefined && impls.includes(input.implUnderTest) ? input.implUnderTest : undefined;
  const served: LineUp['served'] = [];
  const serve = (key: string, impl: string, role: SideContender['role'], instrumented = true) => served.push({ key, impl, role, instrumented });
  const pairs: PairToJudge[] = [];
  if (subject !== undefined && input.against !== undefined && impls.includes(input.against)) pairs.push({ keys: [subject, input.against], kind: 'against' });
  if (subject !== undefined && subject !== REFERENCE_IMPL && input.baselineTolerance !== undefined && impls.includes(REFERENCE_IMPL)) {
    pairs.push({ keys: [subject, REFERENCE_IMPL], kind: 'baseline' });
  }
  const judgedKeys = new Set([subject, ...pairs.map((p) => p.keys[1])].filter((k) => k !== undefined));
  for (const impl of impls) serve(impl, impl, judgedKeys.size === 0 || judgedKeys.has(impl) ? 'judged' : 'reference');
  if (subject !== undefined && input.aaCopy === true && !pairs.some((p) => p.kind === 'against')) {
    serve(aaCopyOf(subject), subject, 'judged');
    pairs.push({ keys: [subject, aaCopyOf(subject)], kind: 'aa' });
  }
  if (subject !== undefined && input.overhead === true) serve(uninstrumented(subject), subject, 'reference', false);
  if (input.probe === true) serve(PROBE_IMPL, PROBE_IMPL, 'probe');
  return { subject, served, pairs };
}

/**
 * Whether REF's side lacks the scenario's route: it answered 404 or 405 to some request that the
 * working tree's implementation under test answered with 200, and failed no request otherwise.
 */
export function refCannotServe(theirs: readonly Exchange[] | undefined, ours: readonly Exchange[] | undefined): boolean {
  if (theirs === undefined || ours === undefined) return false;
  const failed = theirs.map((e, i) => ({ e, i })).filter(({ e }) => e.status !== 200);
  return failed.length > 0 && failed.every(({ e, i }) => (e.status === 404 || e.status === 405) && ours[i]?.status === 200);
}

/** Each measured implementation's result: profiled, timed, or errored on its own failure. */
function resultsOf(input: ScenarioRunInput, requests: readonly ResolvedRequest[], impls: readonly string[], profiled: Map<string, Exchange[]>, sides: TimedSides<PairToJudge>): ScenarioResult[] {
  const context = { scenario: input.scenario.name, dialect: input.dialect, concurrency: input.sampling.concurrency, requests };
  const { timed, failures } = sides;
  const reference = profiled.get(REFERENCE_IMPL);
  const results = impls.map((impl) => {
    const result = scenarioResult(context, impl, profiled.get(impl) ?? [], timed.byKey.get(impl), reference);
    result.stoppedBy = timed.stoppedBy;
    const failure = failures.get(impl);
    if (failure !== undefined && result.state === 'completed') Object.assign(result, { state: 'errored', error: failure });
    const overhead = timed.byKey.get(uninstrumented(impl))?.samples;
    if (overhead !== undefined && overhead.length > 0) result.uninstrumentedP50Ms = summarize(overhead).p50;
    return result;
  });
  const probe = timed.byKey.get(PROBE_IMPL);
  if (probe !== undefined) results.push(scenarioResult(context, PROBE_IMPL, [], probe, undefined));
  return results;
}

/** A pair judged from its timed sides; an A/A pair also gives the subject's result its noise floor. */
function judgeSides(input: ScenarioRunInput, pair: PairToJudge, timed: SamplingOutcome, owner: ScenarioResult | undefined): PairedComparison {
  const [a, b] = pair.keys.map((key) => timed.byKey.get(key)) as [ContenderSamples, ContenderSamples];
  const paired = judgePair(input, pair, a, b);
  if (owner !== undefined && paired.kind === 'aa') {
    // p50: the paired verdict's ratio; p95: the two copies' p95s, resampling whole rounds.
    const p95 = blockBootstrapRatioCi({ samples: a.samples, rounds: a.rounds }, { samples: b.samples, rounds: b.rounds }, 95);
    owner.aaRatio = { p50: paired.ratio, p50Ci: paired.ci, p95: p95.ratio, p95Ci: p95.ci };
  }
  return paired;
}

/** Two contenders to judge side by side: the subject's key first. */
interface PairToJudge extends SidePair {
  kind: PairedComparison['kind'];
}

function judgePair(input: ScenarioRunInput, { keys: pair, kind }: PairToJudge, a: ContenderSamples, b: ContenderSamples): PairedComparison {
  const roundRatios = pairRounds(a.samples, a.rounds, b.samples, b.rounds).map((r) => r.ratio);
  // Against the baseline, the scenario's own tolerance: the verdict is its gate's.
  const minEffect = kind === 'baseline' ? (input.baselineTolerance ?? MIN_EFFECT) : (input.minEffect ?? MIN_EFFECT);
  // No common round (a side took no sample): nothing to judge, and the gate says so.
  const { ratio, ci, pValue, mde, verdict } =
    roundRatios.length === 0
      ? { ratio: 1, ci: [0, NO_BOUND] as [number, number], pValue: 1, mde: NO_BOUND, verdict: 'same' as const }
      : pairedRatio(roundRatios, { confidence: PAIRED_CONFIDENCE, minEffect });
  return {
    scenario: input.scenario.name,
    dialect: input.dialect,
    subject: pair[0],
    reference: pair[1],
    kind,
    rounds: roundRatios.length,
    roundRatios,
    confidence: PAIRED_CONFIDENCE,
    minEffect,
    ratio,
    ci,
    pValue,
    mde,
    verdict,
    ...(kind === 'against' && input.sampling.mde !== undefined ? { mdeTarget: { target: input.sampling.mde.target, maxTimeMs: input.sampling.budgetMs } } : {}),
  };
}

