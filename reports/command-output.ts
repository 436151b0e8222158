/**
 * What a report command hands to the CLI: the text to print and the exit code, so that the
 * CLI only prints and exits. Bad input files are thrown as ResultFileError instead.
 */
export interface CommandOutput {
  /** 0: pass / no regression; 1: fail / regression; 2: the inputs lack evidence a verdict needs (compare). */
  exitCode: 0 | 1 | 2;
  text: string;
}
