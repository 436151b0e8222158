import type { Knex } from 'knex';
import { FixtureChecksum } from '../../fixtures/checksum.js';
import type { LinkTable } from '../../fixtures/link-rows.js';
import { generateFixture, type Fixture } from '../../fixtures/generator.js';
import { GENERATOR_VERSION, PROFILES, type ProfileName } from '../../fixtures/profiles.js';
import { COLUMNS, createIndexes, createTables, finishSchema, PRIMARY_KEYS, TABLES, type TableName } from '../../src/schema.js';
import { finishTable } from './finish-table.js';
import { startSideLoad, type SideLoad } from './side-load.js';
import { MARKER_TABLE, WRITE_COUNTER_TABLE, type DialectAdapter, type NamespaceState } from '../db/dialect-adapter.js';
import { FixtureRefusedError } from '../db/fixture-refused-error.js';
import type { FixtureInfo } from '../core/result.js';
import type { SchemaModule } from '../db/schema-identity.js';

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
  /**
   * Build with this schema code instead of src/schema.ts's (`run --against` when REF's schema
   * differs: each side's fixture from its own schema code, the same rows in both). The fixture
   * lives in a namespace of its own, named and marked with the schema's identity.
   */
  schema?: FixtureSchema | undefined;
}

/** Another src/ tree's schema code, and a short hash of the schema it builds. */
export interface FixtureSchema {
  module: SchemaModule;
  identity: string;
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
  const namespace = options.namespace ?? adapter.namespaceFor(profile, seed, options.schema === undefined ? undefined : `schema_${options.schema.identity}`);
  const wanted: Record<string, string> = { tool: 'querygate', profile, seed: String(seed), generator_version: String(GENERATOR_VERSION), schema_version: String(SCHEMA_VERSION) };
  if (options.schema !== undefined) wanted.schema = options.schema.identity;

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
    // The tables it was seeded with (a fixture of another revision's schema may lack one).
    const expected = JSON.parse(state.marker.row_counts ?? '{}') as Record<string, number>;
    for (const [table, seeded] of Object.entries(expected)) {
      const n = await countRows(db, table);
      if (n !== seeded) return `${table} holds ${n} rows, seeded with ${seeded}`;
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
    ...(m.schema === undefined ? {} : { schema: m.schema, omittedColumns: JSON.parse(m.omitted_columns ?? '[]') as string[] }),
  };
}

/**
 * Builds the fixture in the scratch namespace and swaps it into place; on failure drops what the
 * build made (its scratch namespace, the worker's files).
 */
async function build(
  adapter: DialectAdapter,
  namespace: string,
  wanted: Record<string, string>,
  options: OpenFixtureOptions,
): Promise<void> {
  const scratch = adapter.scratchNamespace(namespace);
  await createScratch(adapter, scratch);
  const fixture = generateFixture(PROFILES[options.profile], options.seed);
  const progress = progressReporter(fixture, options.onProgress);
  const custom = options.schema;
  // The side load's worker indexes its tables with src/schema.ts's indexes: a fixture of another
  // schema loads on this thread alone.
  const sideLoad = custom === undefined ? adapter.sideLoad : undefined;
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
    const work = side === undefined || sideLoad === undefined ? undefined : { path: sideLoad, worker: side, tables: sideTables, files: sideFiles };
    await fillScratch({ adapter, db, fixture, custom, progress, side: work }, wanted);
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

/** What the steps of one build share. */
interface Build {
  readonly adapter: DialectAdapter;
  /** The scratch namespace, through one connection. */
  readonly db: Knex;
  readonly fixture: Fixture;
  /** Another revision's schema code; undefined for src/schema.ts's. */
  readonly custom: FixtureSchema | undefined;
  readonly progress: (table: TableName, rows: number) => void;
  /** The worker loading SIDE_TABLES, where there is one. */
  readonly side: SideWork | undefined;
}

/** A side load under way: the adapter's path for it, the worker, its tables and their files. */
interface SideWork {
  readonly path: NonNullable<DialectAdapter['sideLoad']>;
  readonly worker: SideLoad;
  readonly tables: readonly LinkTable[];
  readonly files: Record<LinkTable, string>;
}

/** What the loading steps add up: rows stored per table, and the checksum of what was stored. */
interface Loaded {
  readonly rows: Partial<Record<TableName, number>>;
  readonly checksum: FixtureChecksum;
}

/** An empty scratch namespace, in place of one a failed build left behind (never a foreign one). */
async function createScratch(adapter: DialectAdapter, scratch: string): Promise<void> {
  const existing = await adapter.inspect(scratch);
  refuseForeign(scratch, existing);
  if (existing.kind !== 'absent') await adapter.dropNamespace(scratch);
  await adapter.createNamespace(scratch);
}

/** Counts the rows loaded over all tables, and passes the count on to `onProgress`. */
function progressReporter(fixture: Fixture, onProgress: OpenFixtureOptions['onProgress']): (table: TableName, rows: number) => void {
  // Exact, from the generator; only worth computing when someone shows progress.
  const total = onProgress === undefined ? 0 : Object.values(fixture.counts()).reduce((a, b) => a + b, 0);
  let done = 0;
  return (table, rows) => {
    done += rows;
    onProgress?.({ table, done, total });
  };
}

/**
 * The whole fixture in the scratch namespace: a marker saying it is building, the tables, their
 * rows, indexes and statistics, the write counter, and last the marker saying it is ready.
 */
async function fillScratch(b: Build, wanted: Record<string, string>): Promise<void> {
  const { adapter, db, custom, side } = b;
  await db.schema.createTable(MARKER_TABLE, (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
  });
  await db(MARKER_TABLE).insert({ key: 'state', value: 'building' });
  const restoreIndexes = await createBareTables(adapter, db, custom);
  await adapter.beforeBulkLoad(db);
  // What each table holds of the generator's columns: all of them, except in another revision's schema.
  const held = custom === undefined ? COLUMNS : await heldColumns(db);
  const loaded: Loaded = { rows: {}, checksum: new FixtureChecksum() };
  await loadOwnTables(b, held, loaded);
  if (side !== undefined) await adoptSideTables(adapter, db, side, loaded);
  const tables = TABLES.filter((t) => held[t].length > 0);
  if (restoreIndexes !== undefined) {
    await restoreIndexes();
    for (const table of tables) await adapter.analyzeTable(db, table);
  }
  const rowCounts = Object.fromEntries(tables.map((t) => [t, loaded.rows[t] ?? 0]));
  await (custom === undefined ? finishSchema(db) : custom.module.finishSchema(db));
  // Last, so the load and finishSchema count nothing: from here on every write is counted.
  await adapter.installWriteCounter(db, tables);
  await adapter.afterBulkLoad(db);
  // Otherwise after afterBulkLoad: on Postgres, a read before VACUUM sets every row's hint bits,
  // dirtying each page a second time (measured at xl: 82 s instead of 52).
  if (side === undefined) for (const table of tables) await readBack(loaded.checksum, adapter, db, table, held[table]);
  const digest = loaded.checksum.digest();
  const omitted = TABLES.flatMap((t) => COLUMNS[t].filter((c) => !held[t].includes(c)).map((c) => `${t}.${c}`));
  await markReady(db, {
    ...wanted,
    checksum: digest,
    row_counts: JSON.stringify(rowCounts),
    ...(custom === undefined ? {} : { omitted_columns: JSON.stringify(omitted) }),
    created_at: new Date().toISOString(),
    state: 'ready',
  });
}

/**
 * The fixture's tables, bare of what can wait until after the load. Returns what indexes the
 * tables of another revision's schema afterwards (src/schema.ts's are indexed table by table).
 */
async function createBareTables(adapter: DialectAdapter, db: Knex, custom: FixtureSchema | undefined): Promise<(() => Promise<void>) | undefined> {
  if (custom === undefined) {
    await createTables(db, { foreignKeys: !adapter.foreignKeysAfterLoad });
    return undefined;
  }
  await custom.module.createSchema(db);
  // Loaded into bare tables and indexed afterwards, like src/schema.ts's own builds.
  return adapter.deferIndexes(db);
}

/** Generates and loads every table but the worker's, on this thread. */
async function loadOwnTables(b: Build, held: Record<TableName, readonly string[]>, loaded: Loaded): Promise<void> {
  const { adapter, db, custom, side } = b;
  const sideTables: readonly TableName[] = side?.tables ?? [];
  for (const table of TABLES.filter((t) => !sideTables.includes(t))) {
    // A table the schema does not have is left out (its rows are generated independently of the others').
    if (held[table].length === 0) continue;
    const batches = b.fixture.rows(table) as Iterable<readonly Record<string, unknown>[]>;
    loaded.rows[table] = await adapter.bulkLoad(db, table, held[table], batches, (rows) => b.progress(table, rows));
    if (custom === undefined) await finishTable(adapter, db, table);
    // Beside a side load, read back right away, while the worker is busy: no later step
    // writes a checksummed column (artifact_count, set by finishSchema, is not one).
    if (side !== undefined) await readBack(loaded.checksum, adapter, db, table);
  }
}

/** Each of the worker's tables as soon as it is ready, while the worker goes on with the next. */
async function adoptSideTables(adapter: DialectAdapter, db: Knex, side: SideWork, loaded: Loaded): Promise<void> {
  for (const table of side.tables) {
    const { rows, share } = await side.worker.ready(table);
    // Indexes on the empty table first: the copy fills them with the worker's, in order.
    await createIndexes(db, { foreignKeys: adapter.foreignKeysAfterLoad, tables: [table] });
    await side.path.adopt(db, side.files[table], table);
    await side.path.drop(side.files[table]);
    // The worker read the table back from its own file; the copy must have moved every row.
    const adopted = await countRows(db, table);
    if (rows !== share.rows || adopted !== share.rows) throw new Error(`side load of ${table}: ${rows} rows loaded, ${share.rows} read back, ${adopted} adopted`);
    loaded.rows[table] = adopted;
    loaded.checksum.addShare(table, share);
  }
}

/** Replaces the marker's building state with the fixture's description, ready. */
async function markReady(db: Knex, marker: Record<string, string>): Promise<void> {
  await db(MARKER_TABLE).where('key', 'state').delete();
  await db(MARKER_TABLE).insert(Object.entries(marker).map(([key, value]) => ({ key, value })));
}

/** Adds `table` as the database holds it: one plain scan, since the checksum ignores row order. */
async function readBack(checksum: FixtureChecksum, adapter: DialectAdapter, db: Knex, table: TableName, columns: readonly string[] = COLUMNS[table]): Promise<void> {
  const all: readonly string[] = COLUMNS[table];
  // A column the table lacks (another revision's schema) counts as null, in its place.
  const at = columns.length === all.length ? null : all.map((c) => columns.indexOf(c));
  for await (const rows of adapter.scanTable(db, table, columns)) {
    checksum.addValues(table, at === null ? rows : rows.map((row) => at.map((k) => (k < 0 ? null : row[k]))));
  }
}

/** The generator's columns each table of the schema just created has (none for a table it lacks). */
async function heldColumns(db: Knex): Promise<Record<TableName, readonly string[]>> {
  const held = {} as Record<TableName, readonly string[]>;
  for (const table of TABLES) {
    const present = Object.keys(await db(table).columnInfo());
    held[table] = COLUMNS[table].filter((c) => present.includes(c));
  }
  return held;
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
