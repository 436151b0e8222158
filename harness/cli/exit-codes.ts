import { describeReason, type Verdict } from '../judge/verdict.js';
import { truncate } from '../core/format.js';

/** Exit codes of every command. */
export const EXIT = { pass: 0, fail: 1, usage: 2, environment: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The one place that maps an outcome to an exit code: pass 0, fail 1, missing evidence 2 (the
 * inputs cannot support a verdict: bad input, like a bad file).
 */
export function exitCodeOf(verdict: Verdict): ExitCode {
  switch (verdict.outcome) {
    case 'pass':
      return EXIT.pass;
    case 'fail':
      return EXIT.fail;
    case 'missing-evidence':
      return EXIT.usage;
  }
}

/** An error's exit code: the one its class carries (UsageError 2, EnvironmentError 3, ...), else 3. */
export function exitCodeOfError(error: unknown): ExitCode {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return code === EXIT.usage || code === EXIT.environment ? code : EXIT.environment;
}

/** How many reasons stderr names before "(+N more)". */
const SHOWN_REASONS = 3;

/**
 * The verdict on stderr, from its reasons (nothing re-read from rendered text), and its exit code.
 * A pass prints nothing.
 */
/** The longest line a command writes on stderr: the reasons in full are in the report. */
const MAX_STDERR_LINE = 1000;

/**
 * Text as one line of stderr: a reason's message may hold several (an errored result's diff or
 * stack, a run error), and stderr says what happened in one line; the report carries them whole.
 */
export function stderrLine(text: string): string {
  return `${truncate(text, MAX_STDERR_LINE)}\n`;
}

export function reportVerdict(verdict: Verdict, subject: string, write: (line: string) => void = (line) => process.stderr.write(line)): ExitCode {
  if (verdict.outcome !== 'pass') {
    const head = verdict.outcome === 'fail' ? 'FAIL' : 'MISSING EVIDENCE, not a pass';
    const shown = verdict.reasons.slice(0, SHOWN_REASONS).map(describeReason);
    const more = verdict.reasons.length > SHOWN_REASONS ? ` (+${verdict.reasons.length - SHOWN_REASONS} more)` : '';
    write(stderrLine(`querygate: ${subject}: ${head}: ${shown.join(' | ')}${more}`));
  }
  return exitCodeOf(verdict);
}
