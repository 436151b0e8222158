import { DIALECTS, type Dialect, type ScenarioResult } from './result.js';

/** The results of one scenario on one database, in the run's order. */
export interface ResultGroup {
  scenario: string;
  dialect: Dialect;
  results: ScenarioResult[];
}

/**
 * Results grouped by scenario (in order of first appearance) and then database (in DIALECTS
 * order), so every report lists them the same way whatever order the runner finished in.
 */
export function groupResults(results: readonly ScenarioResult[]): ResultGroup[] {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const dialectRank = (dialect: Dialect): number => {
    const rank = DIALECTS.indexOf(dialect);
    return rank === -1 ? DIALECTS.length : rank;
  };
  const groups: ResultGroup[] = [];
  for (const scenario of scenarios) {
    const ofScenario = results.filter((r) => r.scenario === scenario);
    const dialects = [...new Set(ofScenario.map((r) => r.dialect))].sort((a, b) => dialectRank(a) - dialectRank(b));
    for (const dialect of dialects) {
      groups.push({ scenario, dialect, results: ofScenario.filter((r) => r.dialect === dialect) });
    }
  }
  return groups;
}

/** Dialects present in the results, in DIALECTS order. */
export function dialectsOf(results: readonly ScenarioResult[]): Dialect[] {
  const present = new Set(results.map((r) => r.dialect));
  return [...DIALECTS.filter((d) => present.has(d)), ...[...present].filter((d) => !DIALECTS.includes(d))];
}
