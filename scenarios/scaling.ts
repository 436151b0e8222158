import type { Scenario } from './scenario.js';

/**
 * The sweep: fixture size x page size. Not part of a plain run (it seeds the large profile);
 * `querygate run --scenario scaling`, with `--profile xl` to add the 1M-artifact point.
 */
export const scaling: Scenario = {
  name: 'scaling',
  description: 'how cost grows: profiles small, default, large (xl with --profile xl) x page sizes 10, 50, 100',
  requests: [],
  gates: [],
  runByDefault: false,
  sweep: { profiles: ['small', 'default', 'large'], limits: [10, 50, 100] },
};
