import type { PairedComparison } from './result.js';

/**
 * Number formatting shared by every report, so one value reads the same everywhere:
 * two decimals under 10, one decimal from 10 on, and two significant digits under 0.1
 * (a database floor of 31 us would otherwise read 0.03).
 */

function decimals(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const size = Math.abs(value);
  if (size >= 10) return value.toFixed(1);
  if (size >= 0.1 || size === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

/** Milliseconds without unit: `0.031`, `0.42`, `9.87`, `123.4`. */
export function formatMs(ms: number): string {
  return decimals(ms);
}

/** A ratio: `0.71x`, `25.3x`. */
export function formatRatio(ratio: number): string {
  return `${decimals(ratio)}x`;
}

/** An interval with the same rule as its point value: `[2.71, 3.05]`. */
export function formatInterval(ci: readonly [number, number], format: (value: number) => string = formatMs): string {
  return `[${format(ci[0])}, ${format(ci[1])}]`;
}

/** A count: integers as they are, fractions with one decimal. */
export function formatCount(count: number): string {
  return Number.isInteger(count) ? String(count) : count.toFixed(1);
}

/** A duration in seconds from milliseconds: `84.2 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line of at most `max` characters: whitespace collapsed, "..." where it was cut. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`;
}

/**
 * Whether a pair's sampling reached the smallest detectable slowdown it aimed at (`--mde`), said
 * plainly when not; empty for a pair sampled without a target.
 */
export function mdeNote(p: Pick<PairedComparison, 'mde' | 'mdeTarget'>): string {
  if (p.mdeTarget === undefined) return '';
  const target = `${(p.mdeTarget.target * 100).toFixed(1)}%`;
  return p.mde <= p.mdeTarget.target
    ? ` (target ${target} reached)`
    : `; target ${target} NOT reached in the time allowed (${(p.mdeTarget.maxTimeMs / 1000).toFixed(1)} s, --max-time) or the sample cap: a slowdown under ${(p.mde * 100).toFixed(1)}% may pass unseen`;
}
