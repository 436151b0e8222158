/** The harness refuses to write into a database or file it did not create and mark. */
export class FixtureRefusedError extends Error {
  override readonly name = 'FixtureRefusedError';
  /** Bad usage: exit 2. */
  readonly exitCode = 2;
}
