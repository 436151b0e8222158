import { detail } from './detail.js';
import { list50 } from './list-50.js';
import { listFiltered } from './list-filtered.js';
import { pageSizes } from './page-sizes.js';
import { scaling } from './scaling.js';
import type { Scenario } from './scenario.js';

export const SCENARIOS: readonly Scenario[] = [list50, listFiltered, detail, pageSizes, scaling];
export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);
export const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => s.runByDefault !== false);
export type { Scenario, RequestSpec, PathRequestSpec, ComputedRequestSpec, GateId, DeprecatedGateId } from './scenario.js';
export { GATE_IDS, GATE_ALIASES, canonicalGateId, gatesOf } from './scenario.js';
export { listRequest, detailRequests } from './artifact-requests.js';
