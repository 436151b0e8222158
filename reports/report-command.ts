import type { CommandOutput } from './command-output.js';
import { renderJunit } from './junit-report.js';
import { renderMarkdown } from './markdown-report.js';
import { readResultFile } from '../harness/core/read-result-file.js';

/** Formats of `querygate report`. */
export type ReportFormat = 'markdown' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['markdown', 'junit'];

/** Options of {@link reportCommand}. */
export interface ReportCommandOptions {
  /** A result.json or the run directory holding one. */
  result: string;
  /** @default 'markdown' */
  format?: ReportFormat;
}

/**
 * `querygate report`: renders a stored run again. The exit code is the run's verdict, so the
 * command can also gate a CI job on a result made elsewhere. Throws ResultFileError.
 */
export async function reportCommand(options: ReportCommandOptions): Promise<CommandOutput> {
  const result = await readResultFile(options.result);
  const text = (options.format ?? 'markdown') === 'junit' ? renderJunit(result) : renderMarkdown(result);
  return { exitCode: result.verdict === 'pass' ? 0 : 1, text };
}
