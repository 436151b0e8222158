import type { AgainstInfo, Dialect } from './result.js';

/**
 * Whether `run --against REF` found this scenario new since REF on this database: REF's
 * implementation could not serve it (404 or 405), so REF's side was not measured.
 */
export function isNewSinceRef(run: { against?: AgainstInfo | undefined }, where: { scenario: string; dialect: Dialect }): boolean {
  return (run.against?.newScenarios ?? []).some((n) => n.scenario === where.scenario && n.dialect === where.dialect);
}
