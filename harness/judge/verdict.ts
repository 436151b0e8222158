/**
 * A verdict as data: the outcome every command's exit code comes from, and the reasons behind it,
 * each one line a person can act on. One rule combines them for every command: any failing
 * reason fails; else any missing evidence means nothing was proven (never a pass); else pass.
 */

/** pass: proven; fail: a gate failed or a regression was found; missing-evidence: the inputs cannot support a verdict. */
export type Outcome = 'pass' | 'fail' | 'missing-evidence';

export type ReasonKind =
  /** A gate of the implementation under test failed. */
  | 'gate'
  /** The implementation under test could not be measured. */
  | 'errored'
  /** An error of the run as a whole (fixture checksums differ, a scenario failed to run). */
  | 'run-error'
  /** compare: the implementation under test got slower or costlier, or AFTER lost what BEFORE measured. */
  | 'regression'
  /** A side, the raw samples, or a judged pair a verdict needs is not there. */
  | 'missing-evidence';

export interface Reason {
  kind: ReasonKind;
  /** e.g. "list-50, sqlite"; absent for reasons of the whole run. */
  where?: string;
  message: string;
}

export interface Verdict {
  outcome: Outcome;
  /** The failing reasons first, then the missing evidence; empty on a pass. */
  reasons: Reason[];
}

const FAILING: readonly ReasonKind[] = ['gate', 'errored', 'run-error', 'regression'];

/** The one rule: a failing reason fails, else missing evidence, else pass. */
export function verdictOf(reasons: readonly Reason[]): Verdict {
  const failing = reasons.filter((r) => FAILING.includes(r.kind));
  const missing = reasons.filter((r) => r.kind === 'missing-evidence');
  const outcome: Outcome = failing.length > 0 ? 'fail' : missing.length > 0 ? 'missing-evidence' : 'pass';
  return { outcome, reasons: [...failing, ...missing] };
}

/** A reason in one line: "gate queries-at-most-max (list-50, sqlite): 106 queries per request ...". */
export function describeReason(reason: Reason): string {
  const what = reason.kind === 'missing-evidence' ? 'missing evidence' : reason.kind === 'run-error' ? 'run error' : reason.kind;
  return `${what}${reason.where === undefined ? '' : ` (${reason.where})`}: ${reason.message}`;
}
