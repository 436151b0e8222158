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
/** Samples the floor needs before a p50 is shown as a ratio to its p50 (fewer: its p50 moves too much to divide by). */
export const MIN_FLOOR_SAMPLES = 20;

/** The paired statistics' policy at its defaults (what `pairedRatio` is given when nothing is set). */
export const PAIRED_DEFAULTS = { confidence: PAIRED_CONFIDENCE, minEffect: MIN_EFFECT } as const;

/**
 * The CLI's own defaults. The gate thresholds' defaults live beside their type
 * (scenarios/thresholds.ts DEFAULT_THRESHOLDS) and the sampling's beside its own
 * (runner/sampling-options.ts); the flags read all of them, none is written twice.
 */
/** Fixture seed: the same rows on every machine. @default 42 */
export const FIXTURE_SEED = 42;
/** Fixture profile. @default 'default' */
export const FIXTURE_PROFILE = 'default';
/** Where a run writes result.json, report.md and junit.xml. @default 'reports/out/latest' */
export const OUT_DIR = 'reports/out/latest';
/** `compare`: the unpaired latency change that counts. @default '10%' */
export const COMPARE_THRESHOLD = '10%';
/** `serve`: the port on 127.0.0.1. @default 8080 */
export const SERVE_PORT = 8080;
