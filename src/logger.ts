/** Log levels, most verbose first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

export interface Logger {
  readonly debugEnabled: boolean;
  debug(message: string): void;
  error(message: string): void;
}

/**
 * Whether `DEBUG` enables a namespace, the way knex users switch on `DEBUG=knex:query`:
 * comma- or space-separated patterns, `*` wildcards, `-pattern` to exclude.
 */
export function debugEnv(namespace: string, env: string | undefined = process.env.DEBUG): boolean {
  if (env === undefined || env.trim() === '') return false;
  let enabled = false;
  for (const pattern of env.split(/[\s,]+/).filter(Boolean)) {
    const negate = pattern.startsWith('-');
    const body = negate ? pattern.slice(1) : pattern;
    const regex = new RegExp(`^${body.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    if (regex.test(namespace)) {
      if (negate) return false;
      enabled = true;
    }
  }
  return enabled;
}

/** A logger writing to stderr; debug lines appear at level debug or when DEBUG names the namespace. */
export function createLogger(namespace: string, level: LogLevel = 'warn', write = (line: string) => process.stderr.write(`${line}\n`)): Logger {
  const debugEnabled = ORDER[level] <= ORDER.debug || debugEnv(namespace);
  return {
    debugEnabled,
    debug: (message) => {
      if (debugEnabled) write(`${namespace} ${message}`);
    },
    error: (message) => {
      if (ORDER[level] <= ORDER.error) write(`${namespace} error: ${message}`);
    },
  };
}
