import type { Knex } from 'knex';
import { implementationFromLoader } from '../../src/impl/artifact-page.js';
import { loadFixedItems } from '../../src/impl/fixed.js';
import type { HandlerFactory } from '../runner/served-implementation.js';
import { implementationHandler } from '../runner/served-implementation.js';

/**
 * Slowdowns of a known size injected into copies of `fixed`, for measuring how small a slowdown
 * querygate sees: `cpu` spins in the item loader, `sql` makes one of fixed's statements do more
 * work in the database (the same statements, the same answers).
 */
export type SlowdownKind = 'cpu' | 'sql';

/** Waits `ms` on the CPU: work in the loader, as a slower serializer or an extra loop would be. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** An uncorrelated scalar subquery both databases evaluate once per statement: K steps of database work. */
const SLOW_PREDICATE = '(WITH RECURSIVE qg_slow(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM qg_slow WHERE x < ?) SELECT count(*) FROM qg_slow) > 0';

/**
 * knex with the tags statement of fixed made slower by `steps` of recursion: a proxy that adds
 * the predicate to the builder of `artifact_tags as at`, so fixed's own code runs unchanged.
 */
function slowTagsDb(db: Knex, steps: number): Knex {
  return new Proxy(db, {
    apply(target, thisArg, args: unknown[]) {
      const builder = Reflect.apply(target, thisArg, args) as Knex.QueryBuilder;
      return args[0] === 'artifact_tags as at' ? builder.whereRaw(SLOW_PREDICATE, [steps]) : builder;
    },
  });
}

/** A copy of fixed slowed by `amount`: ms of CPU per request (cpu) or recursion steps (sql). */
export function slowedFixed(kind: SlowdownKind, amount: number, name = `fixed+${kind}`): HandlerFactory {
  const impl = implementationFromLoader(name, `fixed slowed by ${amount} ${kind === 'cpu' ? 'ms of CPU' : 'steps of SQL'} per request`, async (db, rows) => {
    if (kind === 'cpu') {
      const items = await loadFixedItems(db, rows);
      spin(amount);
      return items;
    }
    return loadFixedItems(slowTagsDb(db, amount), rows);
  });
  return (db) => implementationHandler(db, impl);
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
