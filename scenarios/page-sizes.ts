import type { Scenario } from './scenario.js';

/** n_plus_one_control's test: the same request at growing page sizes must run the same number of queries. */
export const pageSizes: Scenario = {
  name: 'page-sizes',
  description: 'the first page at limits 10, 50 and 100: the query count must not grow with the page',
  requests: [
    { label: 'limit=10', list: { limit: 10 } },
    { label: 'limit=50', list: { limit: 50 } },
    { label: 'limit=100', list: { limit: 100 } },
  ],
  gates: ['queries-at-most-max', 'queries-constant-in-page-size', 'same-response-as-baseline', 'no-new-full-scan', 'same-queries-as-snapshot'],
};
