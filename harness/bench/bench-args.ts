/** What the bench scripts share: their command-line flags and the medians of their tables. */

/** The value after `--name` on the command line, if given. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** A comma-separated list of numbers after `--name`, or the fallback. */
export const numbers = (value: string | undefined, fallback: number[]): number[] => (value === undefined ? fallback : value.split(',').map(Number));

/** The middle value (the upper one of an even count) of the trials' figures; NaN without any. */
export const median = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number));
