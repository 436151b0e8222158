/**
 * The defaults of the paired verdicts, each named once: the runner, the sampler, the statistics,
 * the judge and the CLI read them from here.
 */

/** Two-sided confidence of every paired interval (`--against`, A/A, the detail gate's pair). @default 0.99 */
export const PAIRED_CONFIDENCE = 0.99;

/** A slowdown smaller than this fraction is not flagged, however significant (`--min-effect` 2%). @default 0.02 */
export const MIN_EFFECT = 0.02;

/** The fewest paired rounds whose signed-rank interval reaches {@link PAIRED_CONFIDENCE}: fewer judge nothing. @default 8 */
export const MIN_PAIRED_ROUNDS = 8;
