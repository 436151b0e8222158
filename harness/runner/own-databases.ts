import type { Knex } from 'knex';
import type { ProfileName } from '../../fixtures/profiles.js';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import type { ServedConnection } from '../db/served-connection.js';
import { openFixture, type FixtureSchema, type SeedProgress } from '../fixture-store/fixture-store.js';
import { QueryRecorder } from '../instrument/query-recorder.js';
import type { FixtureInfo } from '../core/result.js';

/** An implementation's own fixture database, with the recorder that counts its statements. */
export interface OwnDatabase {
  db: Knex;
  recorder: QueryRecorder;
  info: FixtureInfo;
  /** Where it lives (a file or a schema). */
  namespace: string;
}

/**
 * Opens (seeding where missing) a fixture per implementation from that implementation's schema
 * code: `run --against REF` when REF's schema differs from the working tree's. Every one is
 * seeded from the same generator, profile and seed; each gets a recorder of its own.
 */
export async function openOwnDatabases(
  adapter: DialectAdapter,
  schemas: Readonly<Record<string, FixtureSchema>>,
  fixture: { profile: ProfileName; seed: number; onProgress?: ((progress: SeedProgress) => void) | undefined },
): Promise<Map<string, OwnDatabase>> {
  const own = new Map<string, OwnDatabase>();
  try {
    for (const [impl, schema] of Object.entries(schemas)) {
      const opened = await openFixture({ adapter, profile: fixture.profile, seed: fixture.seed, schema, onProgress: fixture.onProgress }).catch((error: unknown) => {
        throw new Error(`the fixture of ${impl}'s schema could not be built: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
      });
      own.set(impl, { db: opened.db, recorder: new QueryRecorder(opened.db).attach(), info: opened.info, namespace: opened.namespace });
    }
    return own;
  } catch (error) {
    detachAll(own);
    throw error;
  }
}

/**
 * Each side with connections of its own (`run --against` when REF has other dependencies or
 * database settings): a pool opened with that side's settings and knex, on its own fixture when it
 * has one, else on the shared one, with a recorder of its own. Replaces the side's entry.
 */
export function openSideConnections(
  adapter: DialectAdapter,
  connections: Readonly<Record<string, ServedConnection>>,
  shared: { namespace: string; info: FixtureInfo },
  own: Map<string, OwnDatabase>,
): void {
  for (const [impl, served] of Object.entries(connections)) {
    const fixture = own.get(impl) ?? shared;
    own.get(impl)?.recorder.detach();
    const db = adapter.connect(fixture.namespace, { served });
    own.set(impl, { db, recorder: new QueryRecorder(db).attach(), info: fixture.info, namespace: fixture.namespace });
  }
}

/** Stops the recorders (the adapter closes the connections). */
export function detachAll(own: ReadonlyMap<string, OwnDatabase>): void {
  for (const { recorder } of own.values()) recorder.detach();
}

/**
 * Why the own fixtures cannot count as identically seeded, or undefined: every one that holds
 * all of the generator's columns must have the shared fixture's checksum.
 */
export function seedingMismatch(shared: FixtureInfo, own: ReadonlyMap<string, OwnDatabase>): string | undefined {
  for (const [impl, { info }] of own) {
    if ((info.omittedColumns ?? []).length === 0 && info.checksum !== shared.checksum) {
      return `the fixture of ${impl}'s schema holds other rows than the shared one (checksum ${info.checksum.slice(0, 12)}, shared ${shared.checksum.slice(0, 12)})`;
    }
  }
  return undefined;
}
