/** Bad usage or bad input: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** The environment failed (database unreachable, server died, disk full): exit code 3. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
