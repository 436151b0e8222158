import type { Knex } from 'knex';
import { FixtureChecksum } from '../fixtures/checksum.js';
import type { LinkTable } from '../fixtures/link-rows.js';
import { generateFixture } from '../fixtures/generator.js';
import { GENERATOR_VERSION, PROFILES, type ProfileName } from '../fixtures/profiles.js';
import { COLUMNS, createIndexes, createTables, finishSchema, PRIMARY_KEYS, TABLES, type TableName } from '../src/schema.js';
import { finishTable } from './fixture-build/finish-table.js';
import { startSideLoad, type SideLoad } from './fixture-build/side-load.js';
import { MARKER_TABLE, WRITE_COUNTER_TABLE, type DialectAdapter, type NamespaceState } from './db/dialect-adapter.js';
import { FixtureRefusedError } from './db/fixture-refused-error.js';
import type { FixtureInfo } from './result.js';

/** Version of the stored layout (schema, marker). Bump when createSchema or finishSchema changes. */
export const SCHEMA_VERSION = 4;
const READ_BACK_BATCH = 10_000;
/**
 * Tables a side load (where the adapter has one) generates and loads in a worker thread: the two
 * largest link tables, about as much work as the other five together (measured at large).
 */
const SIDE_TABLES: readonly LinkTable[] = ['collection_artifacts', 'artifact_tags'];

export interface SeedProgress {
  table: TableName;
  /** Rows loaded so far, over all tables. */
  done: number;
  /** Rows expected over all tables (an estimate where the generator cannot know it up front). */
  total: number;
}

export interface OpenFixtureOptions {
  adapter: DialectAdapter;
  profile: ProfileName;
  seed: number;
  /** Where the fixture lives; the adapter's default for profile and seed otherwise. */
  namespace?: string | undefined;
  onProgress?: ((progress: SeedProgress) => void) | undefined;
  /** Rebuild even when a matching fixture exists. */
  rebuild?: boolean | undefined;
}

export interface OpenedFixture {
  db: Knex;
  namespace: string;
  info: FixtureInfo;
  /** True when an existing fixture was found matching and reused as it was. */
  reused: boolean;
  /**
   * Why a fixture whose marker matched was rebuilt: it was written to since it was seeded
   * (a `serve` write endpoint, a test, a hand edit). Undefined when it was reused or was missing or stale.
   */
  rebuiltBecause?: string;
}

/**
 * Opens the fixture database for a profile and seed: reuses a matching one, rebuilds a stale one,
 * seeds a missing one, and refuses any namespace that holds tables without the harness's marker.
 * Builds happen in a scratch namespace swapped in at the end, so no one ever sees half a fixture.
 */
export async function openFixture(options: OpenFixtureOptions): Promise<OpenedFixture> {
  const { adapter, profile, seed } = options;
  const namespace = options.namespace ?? adapter.namespaceFor(profile, seed);
  const wanted = { tool: 'querygate', profile, seed: String(seed), generator_version: String(GENERATOR_VERSION), schema_version: String(SCHEMA_VERSION) };

  const matching = (state: NamespaceState) =>
    state.kind === 'ours' && Object.entries(wanted).every(([k, v]) => state.marker[k] === v) && state.marker.state === 'ready';
  const reusable = (state: NamespaceState) => options.rebuild !== true && matching(state);

  let state = await adapter.inspect(namespace);
  refuseForeign(namespace, state);
  // A matching marker is not enough: the data must still be what was seeded (cheap checks).
  let changed = reusable(state) ? await changedSinceSeeding(adapter, namespace, state) : undefined;
  if (!reusable(state) || changed !== undefined) {
    await adapter.withBuildLock(namespace, async () => {
      state = await adapter.inspect(namespace);
      refuseForeign(namespace, state);
      changed = reusable(state) ? await changedSinceSeeding(adapter, namespace, state) : undefined;
      if (!reusable(state) || changed !== undefined) await build(adapter, namespace, wanted, options);
    });
    state = await adapter.inspect(namespace);
    if (!matching(state)) throw new Error(`fixture ${namespace} is not usable after seeding`);
    return { db: adapter.connect(namespace), namespace, info: infoFrom(state), reused: false, ...(changed === undefined ? {} : { rebuiltBecause: changed }) };
  }
  return { db: adapter.connect(namespace), namespace, info: infoFrom(state), reused: true };
}

/**
 * How the fixture differs from what was seeded, or undefined when it does not: no write counted
 * by the database's triggers since seeding, and every table's row count as the marker records.
 */
async function changedSinceSeeding(adapter: DialectAdapter, namespace: string, state: NamespaceState): Promise<string | undefined> {
  if (state.kind !== 'ours') return 'it has no marker';
  const db = adapter.connect(namespace, { pool: 1 });
  try {
    const writes = await writesSinceSeeding(db);
    if (writes > 0) return `${writes} write${writes === 1 ? '' : 's'} to it since it was seeded`;
    const expected = JSON.parse(state.marker.row_counts ?? '{}') as Record<string, number>;
    for (const table of TABLES) {
      const n = await countRows(db, table);
      if (n !== expected[table]) return `${table} holds ${n} rows, seeded with ${expected[table] ?? '?'}`;
    }
    return undefined;
  } catch (error) {
    return `it cannot be verified (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  } finally {
    await db.destroy();
  }
}

/** Writes to the fixture's tables since it was seeded, as counted by the database's triggers. */
export async function writesSinceSeeding(db: Knex): Promise<number> {
  const row = (await db(WRITE_COUNTER_TABLE).first('writes')) as { writes: number | string } | undefined;
  if (row === undefined) throw new Error(`${WRITE_COUNTER_TABLE} is empty`);
  return Number(row.writes);
}

function refuseForeign(namespace: string, state: NamespaceState): void {
  if (state.kind === 'foreign') {
    throw new FixtureRefusedError(
      `${namespace} holds ${state.tables.slice(0, 5).join(', ')} and no querygate marker; refusing to write to a database querygate did not create`,
    );
  }
}

function infoFrom(state: NamespaceState): FixtureInfo {
  if (state.kind !== 'ours') throw new Error('no marker');
  const m = state.marker;
  return {
    profile: m.profile ?? '?',
    seed: Number(m.seed),
    generatorVersion: Number(m.generator_version),
    checksum: m.checksum ?? '',
    rowCounts: JSON.parse(m.row_counts ?? '{}') as Record<string, number>,
  };
}

async function build(
  adapter: DialectAdapter,
  namespace: string,
  wanted: Record<string, string>,
  options: OpenFixtureOptions,
): Promise<void> {
  const scratch = adapter.scratchNamespace(namespace);
  const existing = await adapter.inspect(scratch);
  refuseForeign(scratch, existing);
  if (existing.kind !== 'absent') await adapter.dropNamespace(scratch);
  await adapter.createNamespace(scratch);
  const fixture = generateFixture(PROFILES[options.profile], options.seed);
  // Exact, from the generator; only worth computing when someone shows progress.
  const total = options.onProgress === undefined ? 0 : Object.values(fixture.counts()).reduce((a, b) => a + b, 0);
  let done = 0;
  const progress = (table: TableName, rows: number) => {
    done += rows;
    options.onProgress?.({ table, done, total });
  };
  const sideLoad = adapter.sideLoad;
  const sideTables: readonly LinkTable[] = sideLoad === undefined ? [] : SIDE_TABLES;
  const sideFiles = Object.fromEntries(sideTables.map((t) => [t, sideLoad?.namespaceFor(scratch, t) ?? ''])) as Record<LinkTable, string>;
  const dropSideFiles = async () => {
    for (const file of Object.values(sideFiles)) await sideLoad?.drop(file);
  };
  let side: SideLoad | undefined;
  const db = adapter.connect(scratch, { pool: 1 });
  try {
    if (sideTables.length > 0) {
      await dropSideFiles();
      side = startSideLoad({ files: sideFiles, profile: options.profile, seed: options.seed, tables: sideTables }, progress);
    }
    await db.schema.createTable(MARKER_TABLE, (t) => {
      t.string('key', 64).primary();
      t.text('value').notNullable();
    });
    await db(MARKER_TABLE).insert({ key: 'state', value: 'building' });
    await createTables(db, { foreignKeys: !adapter.foreignKeysAfterLoad });
    await adapter.beforeBulkLoad(db);
    const loaded: Partial<Record<TableName, number>> = {};
    const checksum = new FixtureChecksum();
    for (const table of TABLES.filter((t) => !(sideTables as readonly TableName[]).includes(t))) {
      const batches = fixture.rows(table) as Iterable<readonly Record<string, unknown>[]>;
      loaded[table] = await adapter.bulkLoad(db, table, COLUMNS[table], batches, (rows) => progress(table, rows));
      await finishTable(adapter, db, table);
      // Beside a side load, read back right away, while the worker is busy: no later step
      // writes a checksummed column (artifact_count, set by finishSchema, is not one).
      if (side !== undefined) await readBack(checksum, adapter, db, table);
    }
    // Each of the worker's tables as soon as it is ready, while the worker goes on with the next.
    if (side !== undefined && sideLoad !== undefined) {
      for (const table of sideTables) {
        const { rows, share } = await side.ready(table);
        // Indexes on the empty table first: the copy fills them with the worker's, in order.
        await createIndexes(db, { foreignKeys: adapter.foreignKeysAfterLoad, tables: [table] });
        await sideLoad.adopt(db, sideFiles[table], table);
        await sideLoad.drop(sideFiles[table]);
        // The worker read the table back from its own file; the copy must have moved every row.
        const adopted = await countRows(db, table);
        if (rows !== share.rows || adopted !== share.rows) throw new Error(`side load of ${table}: ${rows} rows loaded, ${share.rows} read back, ${adopted} adopted`);
        loaded[table] = adopted;
        checksum.addShare(table, share);
      }
    }
    const rowCounts = Object.fromEntries(TABLES.map((t) => [t, loaded[t] ?? 0]));
    await finishSchema(db);
    // Last, so the load and finishSchema count nothing: from here on every write is counted.
    await adapter.installWriteCounter(db, TABLES);
    await adapter.afterBulkLoad(db);
    // Otherwise after afterBulkLoad: on Postgres, a read before VACUUM sets every row's hint bits,
    // dirtying each page a second time (measured at xl: 82 s instead of 52).
    if (side === undefined) for (const table of TABLES) await readBack(checksum, adapter, db, table);
    const digest = checksum.digest();
    await db(MARKER_TABLE).where('key', 'state').delete();
    await db(MARKER_TABLE).insert(
      Object.entries({ ...wanted, checksum: digest, row_counts: JSON.stringify(rowCounts), created_at: new Date().toISOString(), state: 'ready' }).map(
        ([key, value]) => ({ key, value }),
      ),
    );
  } catch (error) {
    await db.destroy();
    await side?.close();
    await dropSideFiles();
    await adapter.dropNamespace(scratch);
    throw error;
  }
  await db.destroy();
  await side?.close();
  try {
    await adapter.replaceNamespace(scratch, namespace);
  } catch (error) {
    await adapter.dropNamespace(scratch);
    throw error;
  }
}

/** Adds `table` as the database holds it: one plain scan, since the checksum ignores row order. */
async function readBack(checksum: FixtureChecksum, adapter: DialectAdapter, db: Knex, table: TableName): Promise<void> {
  for await (const rows of adapter.scanTable(db, table, COLUMNS[table])) checksum.addValues(table, rows);
}

async function countRows(db: Knex, table: string): Promise<number> {
  const row = (await db(table).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? -1);
}

/**
 * The checksum of what the database holds, read back in keyset order through knex: proof that
 * the rows are still the seeded ones (tests run it before and after hostile requests).
 */
export async function readBackChecksum(db: Knex): Promise<string> {
  const checksum = new FixtureChecksum();
  for (const table of TABLES) {
    const keys = PRIMARY_KEYS[table] as readonly string[];
    let last: unknown[] | null = null;
    for (;;) {
      const query = db(table).select(COLUMNS[table] as readonly string[]).orderBy(keys.map((column) => ({ column }))).limit(READ_BACK_BATCH);
      if (last !== null) query.whereRaw(`(${keys.join(', ')}) > (${keys.map(() => '?').join(', ')})`, last as Knex.RawBinding[]);
      const rows: Record<string, unknown>[] = await query;
      if (rows.length === 0) break;
      checksum.add(table, rows);
      const tail = rows[rows.length - 1] as Record<string, unknown>;
      last = keys.map((k) => tail[k]);
      if (rows.length < READ_BACK_BATCH) break;
    }
  }
  return checksum.digest();
}
