import { EnvironmentError } from '../core/errors.js';
import type { Exchange, LoopbackEndpoint } from './loopback-endpoint.js';
import type { ResolvedRequest } from './resolve-requests.js';
import { sampleRounds, type Contender, type SamplingOutcome } from './sampler.js';
import type { SamplingOptions } from './sampling-options.js';

/** A contender of the rounds, with the implementation it serves (an A/A or uninstrumented copy serves its original's). */
export interface SideContender extends Contender {
  impl: string;
}

/** Two contenders judged side by side: the subject's key first. */
export interface SidePair {
  keys: [string, string];
}

export interface TimedSides<P extends SidePair> {
  timed: SamplingOutcome;
  /** The pairs whose two sides were both timed to the end. */
  pairs: P[];
  /** Implementations that failed a request while timing, with the failure: their own error, nobody else's. */
  failures: Map<string, string>;
}

/**
 * The timed rounds, where a side that answers a request with anything but 200 is dropped and the
 * rounds start again without it: the failure is that side's (its result says so), and the other
 * sides are still measured in full. The sampler reports a failure by throwing, naming the
 * request but not the side, so each endpoint is watched for the answer that made it throw.
 */
export async function timeSides<P extends SidePair>(
  contenders: readonly SideContender[],
  requests: readonly ResolvedRequest[],
  options: SamplingOptions,
  pairs: readonly P[],
  signal: AbortSignal | undefined,
): Promise<TimedSides<P>> {
  const failures = new Map<string, string>();
  let remaining = [...contenders];
  for (;;) {
    const failing = new Set<string>();
    const watched = remaining.map((c) => ({ ...c, endpoint: watchFailures(c.endpoint, () => failing.add(c.impl)) }));
    const kept = pairs.filter((p) => p.keys.every((key) => remaining.some((c) => c.key === key)));
    try {
      const timed = await sampleRounds(watched, requests, options, kept.map((p) => p.keys), signal);
      return { timed, pairs: kept, failures };
    } catch (error) {
      if (error instanceof EnvironmentError || failing.size === 0) throw error;
      signal?.throwIfAborted();
      const message = error instanceof Error ? error.message : String(error);
      for (const impl of failing) failures.set(impl, message);
      remaining = remaining.filter((c) => !failing.has(c.impl));
    }
  }
}

/** The endpoint as it is, but calling `onFailure` for every answer other than 200. */
function watchFailures(endpoint: LoopbackEndpoint, onFailure: (exchange: Exchange) => void): LoopbackEndpoint {
  return new Proxy(endpoint, {
    get(target, property) {
      if (property === 'send') {
        return async (path: string): Promise<Exchange> => {
          const exchange = await target.send(path);
          if (exchange.status !== 200) onFailure(exchange);
          return exchange;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
