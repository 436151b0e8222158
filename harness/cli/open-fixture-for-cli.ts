import type { ProfileName } from '../../fixtures/profiles.js';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import { openAdapter } from '../db/open-adapter.js';
import { openFixture, type OpenedFixture } from '../fixture-store/fixture-store.js';
import type { Dialect } from '../core/result.js';
import { clearProgress, seedProgressBar } from './progress.js';

export interface CliDatabaseArgs {
  db: string;
  profile: string;
  seed: number;
  'pg-url'?: string | undefined;
  'sqlite-file'?: string | undefined;
  rebuild?: boolean | undefined;
}

/** Opens adapter and fixture for seed and serve; the caller closes the adapter. */
export async function openFixtureForCli(args: CliDatabaseArgs): Promise<{ adapter: DialectAdapter; fixture: OpenedFixture; ms: number }> {
  const dialect = args.db as Dialect;
  const adapter = await openAdapter(dialect, { pgUrl: args['pg-url'], sqliteFile: args['sqlite-file'] });
  const started = performance.now();
  try {
    const bar = seedProgressBar();
    const fixture = await openFixture({
      adapter,
      profile: args.profile as ProfileName,
      seed: args.seed,
      rebuild: args.rebuild,
      onProgress: bar === undefined ? undefined : (p) => bar(dialect, p),
    });
    clearProgress();
    if (fixture.rebuiltBecause !== undefined) {
      process.stderr.write(`querygate: the ${dialect} fixture ${fixture.namespace} was not what was seeded (${fixture.rebuiltBecause}): rebuilt it\n`);
    }
    return { adapter, fixture, ms: performance.now() - started };
  } catch (error) {
    await adapter.close();
    throw error;
  }
}
