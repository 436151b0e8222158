import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { QueryRecorder } from '../harness/instrument/query-recorder.js';
import type { LoopbackEndpoint } from '../harness/runner/loopback-endpoint.js';
import { sampleRounds, type Contender } from '../harness/runner/sampler.js';
import { DEFAULT_SAMPLING } from '../harness/runner/sampling-options.js';
import { PAIRED_CONFIDENCE } from '../harness/core/defaults.js';
import { pairedRatio, pairRounds } from '../harness/stats/paired-statistics.js';
import { createRandom } from '../harness/stats/random.js';

/** A judged contender whose endpoint answers at once and notes every path asked of it. */
function contender(key: string, asked: string[]): Contender {
  const endpoint = {
    send: async (path: string) => {
      asked.push(path);
      return { status: 200, body: '', wallMs: 1, log: { poolWaitMs: 0, count: 0 } };
    },
  } as unknown as LoopbackEndpoint;
  return { key, endpoint, role: 'judged', instrumented: true, recorder: {} as QueryRecorder };
}

describe('sampleRounds', () => {
  it('gives both sides of a pair the same request in each round, and walks every request over the rounds', async () => {
    const mine: string[] = [];
    const theirs: string[] = [];
    const requests = ['/a', '/b', '/c', '/d', '/e'].map((path) => ({ label: path, path }));
    const outcome = await sampleRounds(
      [contender('subject', mine), contender('reference', theirs)],
      requests,
      // One request per turn (sliceMs 0) and no budget: 20 rounds, the sample cap.
      { ...DEFAULT_SAMPLING, budgetMs: 0, minSamples: 0, minRounds: 0, maxSamples: 20 },
      [['subject', 'reference']],
    );
    expect(mine.length).toBeGreaterThanOrEqual(20);
    expect(theirs).toEqual(mine);
    expect(mine.slice(0, 10)).toEqual(['/a', '/b', '/c', '/d', '/e', '/a', '/b', '/c', '/d', '/e']);
    expect(outcome.byKey.get('reference')?.rounds).toEqual(outcome.byKey.get('subject')?.rounds);
  });
});

describe('sampleRounds with an MDE target (run --against --mde)', () => {
  /** A judged contender whose answers take a seeded, heavy-tailed time around `medianMs`. */
  function noisy(key: string, medianMs: number, seed: number): Contender {
    const random = createRandom(seed);
    const endpoint = {
      send: async () => {
        // Real time passes too: the stop rule looks at the pair every 250 ms.
        await delay(1);
        const u = (random.int(1_000_000) + 0.5) / 1_000_000;
        // Log-logistic noise: heavier tails than a normal, as request times have.
        const wallMs = medianMs * Math.exp(0.15 * Math.log(u / (1 - u)));
        return { status: 200, body: '', wallMs, log: { poolWaitMs: 0, count: 0 } };
      },
    } as unknown as LoopbackEndpoint;
    return { key, endpoint, role: 'judged', instrumented: true, recorder: {} as QueryRecorder };
  }
  const requests = [{ label: 'a', path: '/a' }];
  const run = (target: number, maxSamples: number) =>
    sampleRounds([noisy('subject', 4, 1), noisy('reference', 4, 2)], requests, { ...DEFAULT_SAMPLING, budgetMs: 60_000, minRounds: 10, maxSamples, mde: { target, minEffect: 0.02 } }, [['subject', 'reference']]);
  const statedMde = (outcome: Awaited<ReturnType<typeof run>>) => {
    const [a, b] = ['subject', 'reference'].map((k) => outcome.byKey.get(k)!);
    return pairedRatio(pairRounds(a!.samples, a!.rounds, b!.samples, b!.rounds).map((r) => r.ratio), { confidence: PAIRED_CONFIDENCE, minEffect: 0.02 }).mde;
  };

  it('stops once the verdict would state an MDE at the target, not before', async () => {
    const outcome = await run(0.08, 20_000);
    expect(outcome.stoppedBy).toBe('precision');
    expect(statedMde(outcome)).toBeLessThanOrEqual(0.08);
    // A looser target stops sooner; a stricter one later.
    const looser = await run(0.15, 20_000);
    expect(looser.stoppedBy).toBe('precision');
    expect(looser.rounds).toBeLessThan(outcome.rounds);
    expect(statedMde(looser)).toBeLessThanOrEqual(0.15);
  });

  it('goes on to the cap when the target cannot be reached, and the stated MDE says so', async () => {
    const outcome = await run(0.021, 400);
    expect(outcome.stoppedBy).toBe('samples');
    expect(statedMde(outcome)).toBeGreaterThan(0.021);
  });
});
