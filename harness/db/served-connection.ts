import type { Knex } from 'knex';
import { UsageError } from '../core/errors.js';
import { DATABASE_SETTINGS, type DatabaseSettings } from '../../src/database-settings.js';

/** A knex module's default export: another revision's, when it has dependencies of its own. */
export type KnexModule = (config: Knex.Config) => Knex;

/**
 * How a connection the endpoint is served through is opened: with the service's own settings
 * (src/database-settings.ts), through a knex module (another revision's, with its own drivers).
 */
export interface ServedConnection {
  settings: DatabaseSettings;
  /** @default this process's knex */
  knex?: KnexModule | undefined;
}

/** The working tree's settings, through this process's knex. */
export const OWN_SETTINGS: ServedConnection = { settings: DATABASE_SETTINGS };

/**
 * The settings every revision had before src/ owned them (the harness's then): what a revision
 * whose src/index.ts exports no DATABASE_SETTINGS is served with.
 */
export const SETTINGS_BEFORE_SRC_OWNED_THEM: DatabaseSettings = { pool: { sqlite: 1, postgres: 4 }, sqlitePragmas: {}, postgresSettings: {} };

const NAME = /^[a-z_][a-z0-9_.]{0,62}$/;
const VALUE = /^[A-Za-z0-9_.:+-]{1,100}$/;

/**
 * Checks settings read from a revision (plain data in a file anyone may edit): pool sizes from 1 to
 * 64, and names and values that cannot smuggle a second pragma or startup option. Throws
 * UsageError naming `whose` and the field.
 */
export function checkDatabaseSettings(value: unknown, whose: string): DatabaseSettings {
  const fail = (what: string): never => {
    throw new UsageError(`${whose}: DATABASE_SETTINGS ${what}`);
  };
  const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!record(value)) return fail('is not an object');
  const pool = value['pool'];
  if (!record(pool)) return fail('.pool is not an object { sqlite, postgres }');
  for (const dialect of ['sqlite', 'postgres']) {
    const size = pool[dialect];
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 64) fail(`.pool.${dialect} is ${JSON.stringify(size)}, expected an integer from 1 to 64`);
  }
  for (const field of ['sqlitePragmas', 'postgresSettings']) {
    const entries = value[field];
    if (!record(entries)) return fail(`.${field} is not an object`);
    for (const [name, v] of Object.entries(entries)) {
      if (!NAME.test(name)) fail(`.${field} has the name ${JSON.stringify(name.slice(0, 70))}, expected ${NAME.source}`);
      if (!(typeof v === 'number' && Number.isFinite(v)) && !(typeof v === 'string' && VALUE.test(v))) {
        fail(`.${field}.${name} is ${JSON.stringify(v)}, expected a finite number or a string matching ${VALUE.source}`);
      }
    }
  }
  return value as unknown as DatabaseSettings;
}

/** What differs between two revisions' settings, e.g. "pool.postgres 4 -> 8, sqlitePragmas.cache_size (none) -> -64000"; empty when none. */
export function settingsDifference(theirs: DatabaseSettings, ours: DatabaseSettings): string[] {
  const flat = (s: DatabaseSettings): Map<string, string> =>
    new Map([
      ['pool.sqlite', String(s.pool.sqlite)],
      ['pool.postgres', String(s.pool.postgres)],
      ...Object.entries(s.sqlitePragmas).map(([k, v]): [string, string] => [`sqlitePragmas.${k}`, String(v)]),
      ...Object.entries(s.postgresSettings).map(([k, v]): [string, string] => [`postgresSettings.${k}`, String(v)]),
    ]);
  const [a, b] = [flat(theirs), flat(ours)];
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(key) !== b.get(key)) out.push(`${key} ${a.get(key) ?? '(none)'} -> ${b.get(key) ?? '(none)'}`);
  }
  // Pragmas run in order: the same ones in another order are a difference too.
  if (out.length === 0 && Object.keys(theirs.sqlitePragmas).join() !== Object.keys(ours.sqlitePragmas).join()) out.push('sqlitePragmas in another order');
  return out;
}
