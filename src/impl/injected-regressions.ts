import type { Knex } from 'knex';
import { implementationFromLoader } from './artifact-page.js';
import { loadFixedItems } from './fixed.js';
import type { ArtifactRecord } from './implementation.js';

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
