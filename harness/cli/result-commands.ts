import { renderComparisonMarkdown } from '../../reports/comparison-markdown.js';
import { renderJunit } from '../../reports/junit-report.js';
import { renderSummary } from '../../reports/summary-report.js';
import { renderMarkdown, repositoryUrlFrom } from '../../reports/markdown-report.js';
import { readResultFile } from '../core/read-result-file.js';
import { UsageError } from '../core/errors.js';
import { compareRuns, comparisonVerdict, type CompareOptions } from '../judge/compare.js';
import { rejudge } from '../judge/judge-run.js';
import type { Verdict } from '../judge/verdict.js';
import type { RunResult } from '../core/result.js';
import { exitCodeOf, reportVerdict, stderrLine, type ExitCode } from './exit-codes.js';
import { writeFileAtomic } from './write-outputs.js';

/** What a result command produced: the text to print, the verdict, and its exit code. */
export interface JudgedOutput {
  text: string;
  verdict: Verdict;
  exitCode: ExitCode;
}

export interface CompareArgs {
  before: string;
  after: string;
  out?: string | undefined;
  threshold: string;
}

/** "10%", "10" or "7.5%": a percentage from 0 to 1000. */
export function parseThreshold(raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(raw);
  const value = match === null ? NaN : Number(match[1]);
  if (!(value >= 0 && value <= 1000)) throw new UsageError(`--threshold must be a percentage such as 10% (0-1000), got ${JSON.stringify(raw)}`);
  return value;
}

/** Two runs compared and judged: markdown (or the comparison as JSON), the verdict and its exit code. */
export function compareResults(before: RunResult, after: RunResult, options: Partial<CompareOptions> & { format?: 'markdown' | 'json'; head?: string } = {}): JudgedOutput {
  const { format, head, ...compareOptions } = options;
  const comparison = compareRuns(before, after, compareOptions);
  const verdict = comparisonVerdict(comparison);
  const body = format === 'json' ? `${JSON.stringify({ ...comparison, verdict }, null, 2)}\n` : renderComparisonMarkdown(comparison);
  return { text: head === undefined ? body : `> ${head}\n\n${body}`, verdict, exitCode: exitCodeOf(verdict) };
}

/** `compare BEFORE AFTER` without the printing: both files read, compared and judged. Throws ResultFileError. */
export async function compareFiles(options: Partial<CompareOptions> & { before: string; after: string; format?: 'markdown' | 'json' }): Promise<JudgedOutput> {
  const { before, after, ...rest } = options;
  const [beforeRun, afterRun] = await Promise.all([readResultFile(before), readResultFile(after)]);
  return compareResults(beforeRun, afterRun, rest);
}

/** Prints a judged output to stdout (or --out), its verdict's reasons to stderr in one line; returns the exit code. */
export function emit(output: JudgedOutput, subject: string, out: string | undefined): ExitCode {
  if (out === undefined) process.stdout.write(output.text);
  else {
    writeFileAtomic(out, output.text);
    process.stdout.write(`wrote ${out}\n`);
  }
  return reportVerdict(output.verdict, subject);
}

/** `querygate compare`: markdown on stdout (or in --out); exit 1 on a regression, 2 on missing evidence. */
export async function compareCommand(args: CompareArgs): Promise<number> {
  return emit(await compareFiles({ before: args.before, after: args.after, thresholdPct: parseThreshold(args.threshold) }), 'compare', args.out);
}

export interface ReportArgs {
  result: string;
  format: string;
}

/** A stored result judged again and rendered; `disagreement` says where the stored verdict differs. */
export interface ReportOutput extends JudgedOutput {
  disagreement: string | null;
}

/** `report` without the printing. Never trusts the stored verdict: the result is judged again, then rendered. Throws ResultFileError. */
export async function renderStoredResult(path: string, format: 'markdown' | 'summary' | 'junit' | 'json' = 'markdown'): Promise<ReportOutput> {
  const { result, verdict, stored } = rejudge(await readResultFile(path));
  const text = format === 'json' ? `${JSON.stringify(result, null, 1)}\n` : format === 'junit' ? renderJunit(result) : format === 'summary' ? renderSummary(result) : renderMarkdown(result, { repositoryUrl: repositoryUrlFrom(process.env) });
  const disagreement = stored === result.verdict ? null : `the file's stored verdict is ${stored}, but its measurements judged again give ${verdict.outcome}`;
  return { text, verdict, exitCode: exitCodeOf(verdict), disagreement };
}

/** `querygate report`: renders a saved result again; the exit code is the verdict of its measurements judged again. */
export async function reportCommand(args: ReportArgs): Promise<number> {
  const format = args.format === 'junit' || args.format === 'json' || args.format === 'summary' ? args.format : 'markdown';
  const output = await renderStoredResult(args.result, format);
  if (output.disagreement !== null) process.stderr.write(stderrLine(`querygate: warning: ${args.result}: ${output.disagreement}`));
  return emit(output, `report ${args.result}`, undefined);
}
