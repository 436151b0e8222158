/**
 * Per-sample values summed per round, rounds in time order: what batch means work on. Several
 * samples of a round share that moment's machine, so the round, not the sample, is the unit.
 */

/** Sum and count of the values of each round, by round ascending. */
export interface RoundSeries {
  rounds: number[];
  totals: Float64Array;
  counts: Float64Array;
}

/**
 * Sums `values[i]` per `rounds[i]` over every part, rounds ascending; `counts` counts the values.
 * Parts measured in the same rounds add into one series, so drift they share cancels within a
 * round. roundSeriesOf([{ rounds: [0, 2, 2], values: [1, 2, 3] }]) is rounds [0, 2], totals
 * [1, 5], counts [1, 2].
 */
export function roundSeriesOf(parts: readonly { rounds: readonly number[]; values: ArrayLike<number> }[]): RoundSeries {
  const ids = [...new Set(parts.flatMap((part) => [...part.rounds]))].sort((a, b) => a - b);
  const slot = new Map(ids.map((round, i) => [round, i]));
  const totals = new Float64Array(ids.length);
  const counts = new Float64Array(ids.length);
  for (const part of parts) {
    if (part.rounds.length !== part.values.length) throw new RangeError(`roundSeriesOf: ${part.values.length} values but ${part.rounds.length} rounds`);
    for (let i = 0; i < part.rounds.length; i++) {
      const at = slot.get(part.rounds[i]!)!;
      totals[at] = totals[at]! + part.values[i]!;
      counts[at] = counts[at]! + 1;
    }
  }
  return { rounds: ids, totals, counts };
}
