import { baseline } from './baseline.js';
import { denormalized } from './denormalized.js';
import { fixed } from './fixed.js';
import { floor } from './floor.js';
import type { Implementation } from './implementation.js';
import { fixedInjectedN1, fixedInjectedScan, fixedInjectedSlowdown } from './injected-regressions.js';

/** Every implementation of the endpoint, by name. */
export const IMPLEMENTATIONS: Readonly<Record<string, Implementation>> = {
  baseline,
  fixed,
  denormalized,
  floor,
};

export const IMPLEMENTATION_NAMES = Object.keys(IMPLEMENTATIONS);

/**
 * Deliberately regressed copies of `fixed`, for querygate's own detection tests. They can be
 * named (`--impl fixed-injected-n1`) but are never part of `all`.
 */
export const INJECTED_REGRESSIONS: Readonly<Record<string, Implementation>> = {
  [fixedInjectedN1.name]: fixedInjectedN1,
  [fixedInjectedSlowdown.name]: fixedInjectedSlowdown,
  [fixedInjectedScan.name]: fixedInjectedScan,
};

export const INJECTED_REGRESSION_NAMES = Object.keys(INJECTED_REGRESSIONS);

export function getImplementation(name: string): Implementation | undefined {
  if (Object.hasOwn(IMPLEMENTATIONS, name)) return IMPLEMENTATIONS[name];
  return Object.hasOwn(INJECTED_REGRESSIONS, name) ? INJECTED_REGRESSIONS[name] : undefined;
}
