/**
 * What a comparison says beside its verdict (harness/judge/comparison-notes.ts), note by note:
 * each finding and warning appears exactly when its condition holds, with its exact text, and not
 * otherwise. The pairs are built by hand, so each case changes one thing. Milliseconds in all, so
 * the mutation bench (npm run bench:mutation) runs them for every mutant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_IMPL, type EnvironmentInfo, type RunResult } from '../harness/core/result.js';
import type { ComparedPair, LatencyChange, LatencyVerdict } from '../harness/judge/compare.js';
import { findings, sensitivity, warnings } from '../harness/judge/comparison-notes.js';
import { makeRun } from './fixtures/sample-result.js';

/** A p50 change: 1.20x [1.15x, 1.25x] unless told otherwise; `corrected` only when given. */
function change(verdict: LatencyVerdict, fields: Partial<LatencyChange> = {}): LatencyChange {
  const noInterval = verdict === 'no-interval';
  return { before: 2, after: 2.4, ratio: 1.2, ci: noInterval ? null : [1.15, 1.25], verdict, detectable: noInterval ? null : 1.3, ...fields };
}

function pair(fields: Partial<ComparedPair> & Pick<ComparedPair, 'role' | 'afterImpl'>): ComparedPair {
  return {
    scenario: 'list-50',
    dialect: 'postgres',
    beforeImpl: fields.afterImpl,
    problems: [],
    p50: null,
    p95: null,
    queriesPerRequest: null,
    grownRequestKinds: [],
    rowsPerRequest: null,
    newFingerprints: [],
    grownFingerprints: [],
    newFullScans: [],
    regressions: [],
    ...fields,
  };
}

const corrected = { ratio: 1.3, ci: [1.21, 1.4] as [number, number] };
const improvedCorrected = { ratio: 0.8, ci: [0.7, 0.9] as [number, number] };

const NO_PROBE = "no drift probe (probe) in both runs for some pairs: their ratios carry the machine's drift between the runs";

/** A pair under test that took the probe into account and did not move: adds no warning of its own. */
const quietUnderTest = () => pair({ role: 'under-test', afterImpl: 'fixed', p50: change('no-change', { corrected: { ratio: 1, ci: [0.95, 1.05] } }) });

describe('findings: a floor that moved beyond the machine\'s drift', () => {
  const floorSlower =
    "the floor got slower on postgres (list-50): p50 1.30x [1.21x, 1.40x] of before after the machine's drift (the probe) is taken out; " +
    'the floor shares the page query, the handler, the schema, the indexes and the driver with the implementations, so they moved too';

  it('names the floor that got slower after the drift is taken out, with its corrected ratio and interval', () => {
    expect(findings([pair({ role: 'same-name', afterImpl: 'floor', p50: change('regressed', { corrected }) })])).toEqual([floorSlower]);
  });

  it('says faster for a floor that improved, on its own database and scenario', () => {
    const out = findings([pair({ role: 'same-name', afterImpl: 'floor', scenario: 'detail', dialect: 'sqlite', p50: change('improved', { ratio: 0.85, corrected: improvedCorrected }) })]);
    expect(out).toEqual([
      "the floor got faster on sqlite (detail): p50 0.80x [0.70x, 0.90x] of before after the machine's drift (the probe) is taken out; " +
        'the floor shares the page query, the handler, the schema, the indexes and the driver with the implementations, so they moved too',
    ]);
  });

  it.each<[string, ComparedPair]>([
    ['the floor did not move', pair({ role: 'same-name', afterImpl: 'floor', p50: change('no-change', { corrected }) })],
    ['the floor has no interval', pair({ role: 'same-name', afterImpl: 'floor', p50: change('no-interval', { corrected }) })],
    ['the floor moved but no probe corrected it (a warning says so instead)', pair({ role: 'same-name', afterImpl: 'floor', p50: change('regressed') })],
    ['the floor errored on a side (no p50)', pair({ role: 'same-name', afterImpl: 'floor', p50: null })],
    ['another implementation moved', pair({ role: 'same-name', afterImpl: 'baseline', p50: change('regressed', { corrected }) })],
    ['the probe itself moved', pair({ role: 'same-name', afterImpl: PROBE_IMPL, p50: change('regressed', { corrected }) })],
    ['the floor is the implementation under test', pair({ role: 'under-test', afterImpl: 'floor', p50: change('regressed', { corrected }) })],
  ])('none when %s', (_, p) => {
    expect(findings([p])).toEqual([]);
  });

  it('one finding per moved floor, in the order of the pairs, skipping the others', () => {
    const out = findings([
      pair({ role: 'same-name', afterImpl: 'floor', dialect: 'sqlite', p50: change('improved', { corrected: improvedCorrected }) }),
      pair({ role: 'same-name', afterImpl: 'baseline', p50: change('regressed', { corrected }) }),
      pair({ role: 'same-name', afterImpl: 'floor', p50: change('regressed', { corrected }) }),
    ]);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^the floor got faster on sqlite \(list-50\)/);
    expect(out[1]).toBe(floorSlower);
  });
});

describe('sensitivity: the smallest ratio the pairs under test could flag', () => {
  const withDetectable = (scenario: string, dialect: 'sqlite' | 'postgres', detectable: number | null) =>
    pair({ role: 'under-test', afterImpl: 'fixed', scenario, dialect, p50: change('no-change', { detectable }) });

  it('is null without any pair under test that has a detectable ratio', () => {
    expect(sensitivity([])).toBeNull();
    expect(sensitivity([pair({ role: 'under-test', afterImpl: 'fixed', p50: null })])).toBeNull();
    expect(sensitivity([withDetectable('list-50', 'sqlite', null)])).toBeNull();
    expect(sensitivity([pair({ role: 'same-name', afterImpl: 'floor', p50: change('no-change', { detectable: 1.2 }) })])).toBeNull();
  });

  it('one pair is both the best and the worst', () => {
    expect(sensitivity([withDetectable('detail', 'postgres', 1.25)])).toEqual({
      best: { scenario: 'detail', dialect: 'postgres', ratio: 1.25 },
      worst: { scenario: 'detail', dialect: 'postgres', ratio: 1.25 },
    });
  });

  it('the best is the smallest ratio and the worst the largest, whatever the order; other pairs do not count', () => {
    const pairs = [
      withDetectable('list-50', 'sqlite', 1.3),
      pair({ role: 'same-name', afterImpl: 'floor', p50: change('no-change', { detectable: 1.01 }) }),
      withDetectable('detail', 'sqlite', 1.12),
      pair({ role: 'under-test', afterImpl: 'fixed', p50: null }),
      withDetectable('list-50', 'postgres', 1.6),
      withDetectable('detail', 'postgres', null),
      withDetectable('list-10', 'postgres', 1.2),
    ];
    expect(sensitivity(pairs)).toEqual({
      best: { scenario: 'detail', dialect: 'sqlite', ratio: 1.12 },
      worst: { scenario: 'list-50', dialect: 'postgres', ratio: 1.6 },
    });
  });

  it('property: best and worst are the minimum and maximum of the detectable ratios under test', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 10, noNaN: true }), { minLength: 1, maxLength: 8 }), (ratios) => {
        const s = sensitivity(ratios.map((r, i) => withDetectable(`s${i}`, 'sqlite', r)));
        expect(s?.best.ratio).toBe(Math.min(...ratios));
        expect(s?.worst.ratio).toBe(Math.max(...ratios));
      }),
    );
  });
});

describe('warnings', () => {
  /** Two runs alike in fixture and environment, each changed by `edit`. */
  const runs = (editBefore: (r: RunResult) => void = () => {}, editAfter: (r: RunResult) => void = () => {}): [RunResult, RunResult] => {
    const before = makeRun([]);
    const after = makeRun([]);
    editBefore(before);
    editAfter(after);
    return [before, after];
  };
  const env = (fields: Partial<EnvironmentInfo>) => (r: RunResult) => {
    r.environment = { ...r.environment, ...fields };
  };

  it('none for two alike runs whose pairs were corrected by the probe', () => {
    expect(warnings(...runs(), [quietUnderTest()])).toEqual([]);
  });

  describe('fixtures', () => {
    it('warns when the checksums differ, naming each side\'s profile, seed and checksum', () => {
      const [before, after] = runs(undefined, (r) => {
        r.fixture = { ...r.fixture, profile: 'small', seed: 7, checksum: 'sha256:other' };
      });
      expect(warnings(before, after, [])).toEqual([
        `the fixtures differ (before standard, seed 42, ${before.fixture.checksum}; after small, seed 7, sha256:other): counts and latencies may differ for that reason alone`,
      ]);
    });

    it('the checksum decides: another profile name or seed with the same rows is no warning', () => {
      const [before, after] = runs(undefined, (r) => {
        r.fixture = { ...r.fixture, profile: 'renamed', seed: 8 };
      });
      expect(warnings(before, after, [])).toEqual([]);
    });
  });

  describe('environments', () => {
    const differ = (what: string) => `the environments differ (${what}): latency ratios carry that difference too`;
    it.each<[string, Partial<EnvironmentInfo>, Partial<EnvironmentInfo>, string | null]>([
      ['another cpu', {}, { cpu: 'Intel Xeon' }, 'cpu 4 x AMD EPYC 7763 64-Core Processor vs 4 x Intel Xeon'],
      ['another number of cpus', {}, { cpus: 8 }, 'cpu 4 x AMD EPYC 7763 64-Core Processor vs 8 x AMD EPYC 7763 64-Core Processor'],
      ['another node', {}, { node: 'v22.1.0' }, 'node v20.19.5 vs v22.1.0'],
      ['another sqlite', {}, { databases: { sqlite: '3.50.0', postgres: '17.4' } }, 'sqlite 3.49.2 vs 3.50.0'],
      ['another postgres', { databases: { postgres: '16.2' } }, { databases: { postgres: '17.4' } }, 'postgres 16.2 vs 17.4'],
      ['a database only after', { databases: { sqlite: '3.49.2' } }, { databases: { sqlite: '3.49.2', postgres: '17.4' } }, null],
      ['a database only before', { databases: { sqlite: '3.49.2', postgres: '17.4' } }, { databases: { postgres: '17.4' } }, null],
      ['a round trip injected after only', {}, { rttMs: 5 }, 'injected round trip none vs 5 ms'],
      ['a round trip injected before only', { rttMs: 2 }, {}, 'injected round trip 2 vs none ms'],
      ['another injected round trip', { rttMs: 2 }, { rttMs: 5 }, 'injected round trip 2 vs 5 ms'],
      ['the same injected round trip', { rttMs: 2 }, { rttMs: 2 }, null],
      ['another os, memory and commit (not compared)', {}, { os: 'darwin', memoryGiB: 64, gitCommit: 'abc', gitDirty: true }, null],
    ])('%s', (_, b, a, expected) => {
      expect(warnings(...runs(env(b), env(a)), [])).toEqual(expected === null ? [] : [differ(expected)]);
    });

    it('lists every difference in one warning, in a fixed order', () => {
      const [before, after] = runs(env({ rttMs: 1 }), env({ cpus: 2, node: 'v22.1.0', databases: { sqlite: '3.50.0', postgres: '16.2' } }));
      expect(warnings(before, after, [])).toEqual([
        differ('cpu 4 x AMD EPYC 7763 64-Core Processor vs 2 x AMD EPYC 7763 64-Core Processor; node v20.19.5 vs v22.1.0; sqlite 3.49.2 vs 3.50.0; postgres 17.4 vs 16.2; injected round trip 1 vs none ms'),
      ]);
    });
  });

  describe('no drift probe', () => {
    it.each<[string, ComparedPair, boolean]>([
      ['a pair under test judged on its raw ratio', pair({ role: 'under-test', afterImpl: 'fixed', p50: change('no-change') }), true],
      ['a pair under test corrected by the probe', quietUnderTest(), false],
      ['a pair under test without an interval (missing evidence says so)', pair({ role: 'under-test', afterImpl: 'fixed', p50: change('no-interval') }), false],
      ['a pair under test that errored', pair({ role: 'under-test', afterImpl: 'fixed', p50: null }), false],
      ['another implementation judged on its raw ratio', pair({ role: 'same-name', afterImpl: 'baseline', p50: change('no-change') }), false],
    ])('%s: %s', (_, p, warned) => {
      expect(warnings(...runs(), [p])).toEqual(warned ? [NO_PROBE] : []);
    });

    it('is said once however many pairs lack it', () => {
      const raw = () => pair({ role: 'under-test', afterImpl: 'fixed', p50: change('regressed') });
      expect(warnings(...runs(), [raw(), quietUnderTest(), raw()])).toEqual([NO_PROBE]);
    });
  });

  describe('a probe too imprecise to correct by', () => {
    const vague = { driftNotCorrected: { probe: { ratio: 0.5, ci: [0.1, 2.5] as [number, number] } } };
    const NOT_CORRECTED = (where: string) =>
      `not corrected for drift: ${where}: the probe's own change between the runs was less precise than the figure, so dividing by it would add more noise than drift it removes`;

    it.each<[string, Partial<ComparedPair>]>([
      ['on p50', { p50: change('no-change', vague) }],
      ['on p95 alone', { p50: change('no-change', { corrected: { ratio: 1, ci: [0.95, 1.05] } }), p95: change('no-change', vague) }],
    ])('is named per pair under test %s, and is not called a missing probe', (_, fields) => {
      expect(warnings(...runs(), [pair({ role: 'under-test', afterImpl: 'fixed', ...fields })])).toEqual([NOT_CORRECTED('list-50 on postgres')]);
    });

    it('names every such pair under test once, and none of the other implementations', () => {
      const under = (scenario: string) => pair({ role: 'under-test', afterImpl: 'fixed', scenario, p50: change('no-change', vague) });
      const other = pair({ role: 'same-name', afterImpl: 'baseline', p50: change('no-change', vague) });
      expect(warnings(...runs(), [under('list-50'), other, under('detail')])).toEqual([NOT_CORRECTED('list-50 on postgres, detail on postgres')]);
    });
  });

  describe('pairs not under test that moved', () => {
    const drifted = "the machine drifted on postgres: the probe's p50 is 1.20x [1.15x, 1.25x] of before (divided out of the ratios under test)";
    const floorMoved =
      "the floor moved on postgres (list-50): p50 1.20x [1.15x, 1.25x] of before; without a drift probe in both runs the machine and the code the floor shares cannot be told apart";
    it.each<[string, ComparedPair, string[]]>([
      ['the probe got slower', pair({ role: 'same-name', afterImpl: PROBE_IMPL, p50: change('regressed') }), [drifted]],
      ['the probe got faster', pair({ role: 'same-name', afterImpl: PROBE_IMPL, p50: change('improved') }), [drifted]],
      ['the probe did not move', pair({ role: 'same-name', afterImpl: PROBE_IMPL, p50: change('no-change') }), []],
      ['the floor got slower, no probe', pair({ role: 'same-name', afterImpl: 'floor', p50: change('regressed') }), [floorMoved]],
      ['the floor got faster, no probe', pair({ role: 'same-name', afterImpl: 'floor', p50: change('improved') }), [floorMoved]],
      ['the floor moved, corrected by the probe (a finding says so)', pair({ role: 'same-name', afterImpl: 'floor', p50: change('regressed', { corrected }) }), []],
      ['the floor did not move, no probe', pair({ role: 'same-name', afterImpl: 'floor', p50: change('no-change') }), []],
      ['the baseline moved', pair({ role: 'same-name', afterImpl: 'baseline', p50: change('regressed') }), []],
      ['the probe errored on a side', pair({ role: 'same-name', afterImpl: PROBE_IMPL, p50: null }), []],
      // Not produced by latencyChange (a verdict without an interval is 'no-interval'), but never read as moved.
      ['the probe says regressed without an interval', pair({ role: 'same-name', afterImpl: PROBE_IMPL, p50: change('regressed', { ci: null }) }), []],
      ['the floor says regressed without an interval', pair({ role: 'same-name', afterImpl: 'floor', p50: change('regressed', { ci: null }) }), []],
    ])('%s', (_, p, expected) => {
      expect(warnings(...runs(), [quietUnderTest(), p])).toEqual(expected);
    });

    it('only pairs not under test: a moved probe or floor under test says nothing here', () => {
      const out = warnings(...runs(), [
        pair({ role: 'under-test', afterImpl: PROBE_IMPL, p50: change('regressed', { corrected }) }),
        pair({ role: 'under-test', afterImpl: 'floor', p50: change('regressed', { corrected }) }),
      ]);
      expect(out).toEqual([]);
    });

    it('names the probe\'s own ratio and database', () => {
      const out = warnings(...runs(), [pair({ role: 'same-name', afterImpl: PROBE_IMPL, dialect: 'sqlite', p50: change('improved', { ratio: 0.7, ci: [0.6, 0.8] }) })]);
      expect(out).toEqual(["the machine drifted on sqlite: the probe's p50 is 0.70x [0.60x, 0.80x] of before (divided out of the ratios under test)"]);
    });
  });

  describe('pairs without raw samples', () => {
    const lack = (n: number) => `${n} other pairs lack raw samples on one side: their latency ratios have no interval`;
    it.each<[string, ComparedPair[], string[]]>([
      ['one other pair', [pair({ role: 'same-name', afterImpl: 'floor', p50: change('no-interval') })], [lack(1)]],
      [
        'two other pairs',
        [pair({ role: 'same-name', afterImpl: 'floor', p50: change('no-interval') }), pair({ role: 'same-name', afterImpl: 'baseline', p50: change('no-interval') })],
        [lack(2)],
      ],
      ['the pair under test (missing evidence, not a warning)', [pair({ role: 'under-test', afterImpl: 'fixed', p50: change('no-interval') })], []],
      ['an errored pair (no p50 at all)', [pair({ role: 'same-name', afterImpl: 'floor', p50: null })], []],
      ['a pair with an interval', [pair({ role: 'same-name', afterImpl: 'baseline', p50: change('no-change') })], []],
    ])('%s', (_, pairs, expected) => {
      expect(warnings(...runs(), [quietUnderTest(), ...pairs])).toEqual(expected);
    });
  });

  it('all at once, in order: fixtures, environments, no probe, per pair, no raw samples', () => {
    const [before, after] = runs(undefined, (r) => {
      r.fixture = { ...r.fixture, checksum: 'sha256:other' };
      r.environment = { ...r.environment, node: 'v22.1.0' };
    });
    const out = warnings(before, after, [
      pair({ role: 'same-name', afterImpl: 'baseline', p50: change('no-interval') }),
      pair({ role: 'same-name', afterImpl: 'floor', p50: change('regressed') }),
      pair({ role: 'same-name', afterImpl: PROBE_IMPL, p50: change('regressed') }),
      pair({ role: 'under-test', afterImpl: 'fixed', p50: change('no-change') }),
    ]);
    expect(out.map((w) => w.slice(0, 28))).toEqual([
      'the fixtures differ (before ',
      'the environments differ (nod',
      'no drift probe (probe) in bo',
      'the floor moved on postgres ',
      'the machine drifted on postg',
      '1 other pairs lack raw sampl',
    ]);
  });

  it('property: equal environments and fixtures never warn about either', () => {
    fc.assert(
      fc.property(
        fc.record({ cpu: fc.string(), cpus: fc.integer({ min: 1, max: 256 }), node: fc.string(), rtt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }), sqlite: fc.option(fc.string(), { nil: undefined }) }),
        ({ cpu, cpus, node, rtt, sqlite }) => {
          const edit = (r: RunResult) => {
            r.environment = { ...r.environment, cpu, cpus, node, databases: sqlite === undefined ? {} : { sqlite } };
            if (rtt !== undefined) r.environment.rttMs = rtt;
          };
          expect(warnings(...runs(edit, edit), [])).toEqual([]);
        },
      ),
    );
  });
});
