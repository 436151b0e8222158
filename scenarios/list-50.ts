import { listRequest } from './artifact-requests.js';
import type { Scenario } from './scenario.js';

export const list50: Scenario = {
  name: 'list-50',
  description: 'a page of 50 artifacts: the first page and pages further in (the acceptance scenario)',
  requests: [
    listRequest('page 1', { limit: 50 }),
    listRequest('page 4', { limit: 50, page: 4 }),
    listRequest('page 20', { limit: 50, page: 20 }),
  ],
  // The acceptance scenario: the run's noise floor and the instrumentation's overhead are measured here.
  noiseFloor: true,
  gates: ['p95-under-budget', 'queries-at-most-max', 'same-response-as-baseline', 'no-new-full-scan', 'same-queries-as-snapshot'],
};
