import { baseline } from './baseline.js';
import { denormalized } from './denormalized.js';
import { fixed } from './fixed.js';
import { floor } from './floor.js';
import type { Implementation } from './implementation.js';

/** Every implementation of the artifact endpoint (its list and detail routes), by name. */
export const IMPLEMENTATIONS: Readonly<Record<string, Implementation>> = {
  baseline,
  fixed,
  denormalized,
  floor,
};

/** The artifact endpoint's implementation of this name. */
export function getImplementation(name: string): Implementation | undefined {
  return Object.hasOwn(IMPLEMENTATIONS, name) ? IMPLEMENTATIONS[name] : undefined;
}
