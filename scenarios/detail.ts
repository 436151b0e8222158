import { detailRequests } from './artifact-requests.js';
import type { Scenario } from './scenario.js';

export const detail: Scenario = {
  name: 'detail',
  description: 'the detail endpoint for artifacts drawn at random (seeded)',
  requests: [detailRequests('random id', 25)],
  gates: ['queries-at-most-max', 'same-response-as-baseline', 'not-slower-than-baseline', 'no-new-full-scan', 'same-queries-as-snapshot'],
};
