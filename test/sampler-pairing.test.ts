import { describe, expect, it } from 'vitest';
import type { QueryRecorder } from '../harness/instrument/query-recorder.js';
import type { LoopbackEndpoint } from '../harness/runner/loopback-endpoint.js';
import { sampleRounds, type Contender } from '../harness/runner/sampler.js';
import { DEFAULT_SAMPLING } from '../harness/runner/sampling-options.js';

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
