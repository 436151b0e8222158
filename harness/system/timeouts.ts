/**
 * How long the harness waits for things that should never take long before it declares the
 * environment broken (exit 3, naming what hung). Generous on purpose: they catch hangs, not slow
 * machines. Each can be shortened through its environment variable (tests, impatient CI jobs).
 */

function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** One loopback request to the endpoint, from sending it to its last byte. @default 60 000 ms */
export const requestTimeoutMs = (): number => fromEnv('QUERYGATE_REQUEST_TIMEOUT_MS', 60_000);

/** Taking a connection from a fixture database's pool. @default 60 000 ms */
export const poolAcquireTimeoutMs = (): number => fromEnv('QUERYGATE_POOL_TIMEOUT_MS', 60_000);

/**
 * Waiting for the Postgres advisory lock of a fixture that another process is building (a large
 * profile takes minutes to seed). @default 900 000 ms
 */
export const buildLockTimeoutMs = (): number => fromEnv('QUERYGATE_LOCK_TIMEOUT_MS', 900_000);

export function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
