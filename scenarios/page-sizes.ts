import { listRequest } from './artifact-requests.js';
import type { Scenario } from './scenario.js';

/** n_plus_one_control's test: the same request at growing page sizes must run the same number of queries. */
export const pageSizes: Scenario = {
  name: 'page-sizes',
  description: 'the first page at limits 10, 50 and 100: the query count must not grow with the page',
  requests: [
    listRequest('limit=10', { limit: 10 }),
    listRequest('limit=50', { limit: 50 }),
    listRequest('limit=100', { limit: 100 }),
  ],
  gates: ['queries-at-most-max', 'queries-constant-in-page-size', 'same-response-as-baseline', 'no-new-full-scan', 'same-queries-as-snapshot'],
};
