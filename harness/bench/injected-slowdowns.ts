import type { Knex } from 'knex';
import { implementationFromLoader } from '../../src/impl/artifact-page.js';
import { loadFixedItems } from '../../src/impl/fixed.js';
import type { HandlerFactory } from '../runner/served-implementation.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandler } from '../../src/http/request-handler.js';
import { createLogger } from '../../src/logger.js';
import { CURSOR_SECRET } from '../runner/resolve-requests.js';
import { implementationHandler } from '../runner/served-implementation.js';
import { withBuilderEdit } from './rewritten-knex.js';

/**
 * Slowdowns of a known size injected into copies of `fixed`, for measuring how small a slowdown
 * querygate sees: `cpu` spins in the item loader, `sql` makes one of fixed's statements do more
 * work in the database (the same statements, the same answers).
 */
export type SlowdownKind = 'cpu' | 'sql';

/** Waits `ms` on the CPU: work in the loader, as a slower serializer or an extra loop would be. */
export function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const silent = createLogger('querygate:http', 'silent');

/** An uncorrelated scalar subquery both databases evaluate once per statement: K steps of database work. */
const SLOW_PREDICATE = '(WITH RECURSIVE qg_slow(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM qg_slow WHERE x < ?) SELECT count(*) FROM qg_slow) > 0';

/** knex with the tags statement of fixed made slower by `steps` of recursion. */
function slowTagsDb(db: Knex, steps: number): Knex {
  return withBuilderEdit(db, 'artifact_tags as at', (builder) => builder.whereRaw(SLOW_PREDICATE, [steps]));
}

/** The endpoint's building blocks a slowed copy is made of: this process's, or those of a copy of src/. */
export interface EndpointModules {
  implementationFromLoader: typeof implementationFromLoader;
  loadFixedItems: typeof loadFixedItems;
  createRequestHandler: typeof createRequestHandler;
}

/**
 * The building blocks from the copy of src/ under `dir` (a module graph of its own, as the
 * working tree's side of `run --against` has), so that a slowed copy is measured on equal terms
 * with the other side's graph.
 */
export async function endpointModulesAt(dir: string): Promise<EndpointModules> {
  const load = async <T>(file: string) => (await import(pathToFileURL(join(dir, 'src', file)).href)) as T;
  const [page, fixed, http] = await Promise.all([
    load<{ implementationFromLoader: typeof implementationFromLoader }>('impl/artifact-page.ts'),
    load<{ loadFixedItems: typeof loadFixedItems }>('impl/fixed.ts'),
    load<{ createRequestHandler: typeof createRequestHandler }>('http/request-handler.ts'),
  ]);
  return { implementationFromLoader: page.implementationFromLoader, loadFixedItems: fixed.loadFixedItems, createRequestHandler: http.createRequestHandler };
}

/** A copy of fixed slowed by `amount`: ms of CPU per request (cpu) or recursion steps (sql). */
export function slowedFixed(kind: SlowdownKind, amount: number, name = `fixed+${kind}`, modules?: EndpointModules): HandlerFactory {
  const m = modules ?? { implementationFromLoader, loadFixedItems, createRequestHandler };
  const impl = m.implementationFromLoader(name, `fixed slowed by ${amount} ${kind === 'cpu' ? 'ms of CPU' : 'steps of SQL'} per request`, async (db, rows) => {
    if (kind === 'cpu') {
      const items = await m.loadFixedItems(db, rows);
      spin(amount);
      return items;
    }
    return m.loadFixedItems(slowTagsDb(db, amount), rows);
  });
  if (modules === undefined) return (db) => implementationHandler(db, impl);
  return (db) => m.createRequestHandler(db, impl, { cursorSecret: CURSOR_SECRET, logger: silent });
}

/** Milliseconds per recursion step of SLOW_PREDICATE on this database: the median of a few timings. */
export async function sqlStepMs(db: Knex, steps = 20_000, repeats = 15): Promise<number> {
  const times: number[] = [];
  const sql = `SELECT ${SLOW_PREDICATE} AS ok`;
  await db.raw(sql, [steps]);
  for (let i = 0; i < repeats; i++) {
    const began = performance.now();
    await db.raw(sql, [steps]);
    const empty = performance.now();
    await db.raw(sql, [1]);
    times.push((empty - began - (performance.now() - empty)) / steps);
  }
  times.sort((a, b) => a - b);
  return Math.max(1e-6, times[Math.floor(times.length / 2)] as number);
}
