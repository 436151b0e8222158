import type { Scenario } from '../../scenarios/scenario.js';
import type { Dialect } from '../core/result.js';

/** One measured unit of a run: a scenario on a database, written "dialect/scenario". */
export type RunUnit = `${Dialect}/${string}`;

/** Every unit of a run, in the order a single run measures them (database by database, scenarios in order). */
export function planUnits(dialects: readonly Dialect[], scenarios: readonly Scenario[]): RunUnit[] {
  return dialects.flatMap((dialect) =>
    scenarios.filter((s) => s.dialects === undefined || s.dialects.includes(dialect)).map((s): RunUnit => `${dialect}/${s.name}`),
  );
}

/**
 * The units of shard K of N: every N-th unit from the K-th (round robin over the run order), so
 * that shards get both databases and a similar share of the work; the same inputs give the same split.
 */
export function shardUnits(units: readonly RunUnit[], index: number, count: number): RunUnit[] {
  return units.filter((_, i) => i % count === index - 1);
}

/** "2/3" as { index: 2, count: 3 }, or null when it is not K/N with 1 <= K <= N. */
export function parseShard(text: string): { index: number; count: number } | null {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) return null;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return index >= 1 && count >= 1 && index <= count && count <= 1000 ? { index, count } : null;
}
