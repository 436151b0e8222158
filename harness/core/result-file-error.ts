import { RESULT_SCHEMA_VERSION } from './result.js';

/**
 * A file given as a run result that cannot be read as one. The message is one line: the path,
 * what is wrong, and what is accepted, so that the CLI can print it as it is.
 */
export class ResultFileError extends Error {
  override readonly name = 'ResultFileError';
  /** Bad input: exit 2. */
  readonly exitCode = 2;

  constructor(
    readonly path: string,
    /** What is wrong, e.g. `results[2].dialect is "mysql", expected "sqlite" or "postgres"`. */
    readonly problem: string,
  ) {
    super(`${path}: ${problem.replace(/\s+/g, ' ').trim()} (expected the result.json of \`querygate run\`, schemaVersion ${RESULT_SCHEMA_VERSION})`);
  }
}
