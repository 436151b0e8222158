/** Samples with the round each was taken in: the time order that drift-aware statistics need. */

/** Raw samples with the round each was taken in (ScenarioResult.rawSamples and .sampleRounds). */
export interface RoundedSamples {
  samples: readonly number[];
  /** Same length as `samples`; rounds count up in time order. */
  rounds: readonly number[];
}

/** Throws unless every sample has its round. */
export function checkRoundedSamples(group: RoundedSamples, what: string): RoundedSamples {
  if (group.samples.length !== group.rounds.length) {
    throw new RangeError(`${what}: ${group.samples.length} samples but ${group.rounds.length} round indices; each sample needs its round`);
  }
  return group;
}

/**
 * A result's raw samples with the round of each, when it recorded one for every sample (results
 * of older versions, and results without samples, did not): what intervals over rounds read.
 */
export function roundedSamplesOf(result: { rawSamples: readonly number[]; sampleRounds?: readonly number[] | undefined }): RoundedSamples | null {
  const rounds = result.sampleRounds;
  return rounds !== undefined && rounds.length > 0 && rounds.length === result.rawSamples.length ? { samples: result.rawSamples, rounds } : null;
}
