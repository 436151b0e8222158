import type { Knex } from 'knex';
import { implementationFromLoader } from '../../src/impl/artifact-page.js';
import { loadFixedItems } from '../../src/impl/fixed.js';
import type { ArtifactRecord, Implementation } from '../../src/impl/implementation.js';
import { implementationHandler, type ExtraImplementations } from '../runner/served-implementation.js';
import { withBuilderEdit } from './rewritten-knex.js';

/** What one more loopback round trip to the database costs, ms: the injected slowdown per artifact. */
const ROUND_TRIP_MS = 0.2;

/** Waits without blocking the event loop and without the millisecond granularity of timers. */
async function pause(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Deliberate regressions of `fixed`, for querygate's own detection tests (does `run` fail, does
 * `compare` flag them?). They answer correctly, only slower; never part of `--impl all`.
 */
export const fixedInjectedN1 = implementationFromLoader(
  'fixed-injected-n1',
  'fixed plus one statement per artifact (an accidental lazy load): an injected N+1',
  async (db: Knex, rows: readonly ArtifactRecord[]) => {
    const items = await loadFixedItems(db, rows);
    for (const row of rows) await db('artifacts').where('id', row.id).first('id');
    return items;
  },
);

export const fixedInjectedSlowdown = implementationFromLoader(
  'fixed-injected-slowdown',
  `fixed plus ${ROUND_TRIP_MS} ms per artifact (one more round trip each) and no extra statement: an injected slowdown`,
  async (db: Knex, rows: readonly ArtifactRecord[]) => {
    const items = await loadFixedItems(db, rows);
    for (let i = 0; i < rows.length; i++) await pause(ROUND_TRIP_MS);
    return items;
  },
);

/**
 * fixed with a count statement that cannot use the membership index: the same five statements and
 * the same answers, but each collection's count reads every membership (`collection_id || ''` is an
 * expression, not the indexed column). Only the plan shows it; the query gates cannot.
 */
export const fixedInjectedScan = implementationFromLoader(
  'fixed-injected-scan',
  "fixed whose count statement defeats the membership index (collection_id || ''): same statements, same answers, a full scan per collection",
  (db: Knex, rows: readonly ArtifactRecord[]) => loadFixedItems(withBuilderEdit(db, 'collection_artifacts as ca', defeatCountIndex), rows),
);

/** fixed's per-collection count compares an expression, not the indexed column. */
function defeatCountIndex(builder: Knex.QueryBuilder): Knex.QueryBuilder {
  const whereRaw = builder.whereRaw.bind(builder) as (sql: string, ...rest: unknown[]) => Knex.QueryBuilder;
  (builder as unknown as { whereRaw: typeof whereRaw }).whereRaw = (sql, ...rest) => whereRaw(sql.replace('ca.collection_id = c.id', "ca.collection_id || '' = c.id"), ...rest);
  return builder;
}

/**
 * The injected regressions by name: the harness can serve them (`--impl fixed-injected-n1`), but
 * they live here, beside the benches that use them, not in the endpoint's own registry.
 */
export const INJECTED_REGRESSIONS: Readonly<Record<string, Implementation>> = {
  [fixedInjectedN1.name]: fixedInjectedN1,
  [fixedInjectedSlowdown.name]: fixedInjectedSlowdown,
  [fixedInjectedScan.name]: fixedInjectedScan,
};

export const INJECTED_REGRESSION_NAMES = Object.keys(INJECTED_REGRESSIONS);

/** The injected regressions as the harness serves them beside src/'s registry. */
export const INJECTED_HANDLERS: ExtraImplementations = Object.fromEntries(
  Object.values(INJECTED_REGRESSIONS).map((impl) => [impl.name, (db: Knex) => implementationHandler(db, impl)]),
);
