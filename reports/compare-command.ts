import type { CommandOutput } from './command-output.js';
import { compareRuns, comparisonExitCode, type CompareOptions } from '../harness/judge/compare.js';
import { renderComparisonMarkdown } from './comparison-markdown.js';
import { readResultFile } from '../harness/core/read-result-file.js';

/** Options of {@link compareCommand}; unset numbers take the defaults of compareRuns. */
export interface CompareCommandOptions extends Partial<CompareOptions> {
  /** The earlier run: a result.json or its run directory. */
  before: string;
  /** The later run. */
  after: string;
  /** @default 'markdown' */
  format?: 'markdown' | 'json';
}

/**
 * `querygate compare BEFORE AFTER`: exit 1 on a regression of the implementation under test (or
 * on what AFTER lost of BEFORE's scenarios), else 2 when evidence is missing (nothing under test
 * paired, no raw samples), else 0. Throws ResultFileError.
 */
export async function compareCommand(options: CompareCommandOptions): Promise<CommandOutput> {
  const { before, after, format, ...compareOptions } = options;
  const [beforeRun, afterRun] = await Promise.all([readResultFile(before), readResultFile(after)]);
  const comparison = compareRuns(beforeRun, afterRun, compareOptions);
  const text = format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : renderComparisonMarkdown(comparison);
  return { exitCode: comparisonExitCode(comparison), text };
}
