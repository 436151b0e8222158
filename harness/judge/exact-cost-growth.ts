import type { ScenarioResult } from '../core/result.js';
import { planLine } from './plan-summary.js';

/**
 * Rows read per request may grow by this fraction before a comparison flags them.
 * Both figures are exact on one fixture (see README, "Which figures gate"); the margin only absorbs
 * what a server upgrade or a re-seed of the same profile can move. @default 0.05
 */
export const EXACT_GROWTH_TOLERANCE = 0.05;

/**
 * The exact growth checks of `compare`: a new full scan, a plan shape change of a fingerprint
 * present in both runs, rows read per request kind grown beyond the tolerance (buffers are not
 * compared: they follow the physical layout, which two builds of one fixture do not share). One
 * line each, in the words of the other regressions. Empty when either side has no plans.
 */
export function exactCostRegressions(before: ScenarioResult, after: ScenarioResult, where: string): string[] {
  const beforePlans = before.queries.plans;
  const afterPlans = after.queries.plans;
  if (beforePlans === undefined || afterPlans === undefined) return [];
  const lines: string[] = [];
  const short = (sql: string) => (sql.length > 100 ? `${sql.slice(0, 97)}...` : sql);
  const beforeScans = new Set(beforePlans.flatMap((p) => p.fullScans.map((t) => `${t} <- ${base(p.fingerprint)}`)));
  for (const plan of afterPlans) {
    for (const table of plan.fullScans) {
      if (!beforeScans.has(`${table} <- ${base(plan.fingerprint)}`)) lines.push(`new full scan of ${table} in ${short(base(plan.fingerprint))} (${where})`);
    }
    const was = beforePlans.find((p) => p.fingerprint === plan.fingerprint);
    if (was?.shape !== undefined && plan.shape !== undefined && was.shape.join('\n') !== plan.shape.join('\n')) {
      lines.push(`plan changed: ${planLine(was, 120)} -> ${planLine(plan, 120)} in ${short(base(plan.fingerprint))} (${where})`);
    }
  }
  for (const cost of after.queries.costs ?? []) {
    const was = before.queries.costs?.find((c) => c.request === cost.request);
    if (was === undefined) continue;
    // Buffers are not compared: two builds of one fixture differ in them (see query-snapshot.ts).
    for (const [name, b, a] of [['rows read', was.rowsRead, cost.rowsRead]] as const) {
      if (b !== undefined && a !== undefined && a > b * (1 + EXACT_GROWTH_TOLERANCE)) {
        lines.push(`${name} per request grew ${b} -> ${a} (${cost.request}; over ${Math.round(EXACT_GROWTH_TOLERANCE * 100)}%) (${where})`);
      }
    }
  }
  return [...new Set(lines)];
}

const base = (fingerprint: string): string => fingerprint.split('\u0000')[0] ?? fingerprint;
