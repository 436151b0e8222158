import type { Scenario } from './scenario.js';

export const listFiltered: Scenario = {
  name: 'list-filtered',
  description: 'filtered pages of 50: by type, by the largest and a mid-sized collection, by popular tags',
  requests: [
    { label: 'type=skill', list: { limit: 50, artifactType: 'skill' } },
    { label: 'type=agent page 2', list: { limit: 50, artifactType: 'agent', page: 2 } },
    { label: 'largest collection', list: { limit: 50, collectionRank: 1 } },
    { label: 'collection #10', list: { limit: 50, collectionRank: 10 } },
    { label: 'top 3 tags', list: { limit: 50, topTags: 3 } },
  ],
  gates: ['queries-at-most-max', 'same-response-as-baseline', 'no-new-full-scan', 'same-queries-as-snapshot'],
};
