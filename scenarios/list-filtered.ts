import { listRequest } from './artifact-requests.js';
import type { Scenario } from './scenario.js';

export const listFiltered: Scenario = {
  name: 'list-filtered',
  description: 'filtered pages of 50: by type, by the largest and a mid-sized collection, by popular tags',
  requests: [
    listRequest('type=skill', { limit: 50, artifactType: 'skill' }),
    listRequest('type=agent page 2', { limit: 50, artifactType: 'agent', page: 2 }),
    listRequest('largest collection', { limit: 50, collectionRank: 1 }),
    listRequest('collection #10', { limit: 50, collectionRank: 10 }),
    listRequest('top 3 tags', { limit: 50, topTags: 3 }),
  ],
  gates: ['queries-at-most-max', 'same-response-as-baseline', 'no-new-full-scan', 'same-queries-as-snapshot'],
};
