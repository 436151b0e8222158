/**
 * Seeding benchmark: builds each profile from scratch on each database and prints rows/s.
 * `npm run bench:seed -- [profile ...]` (default: default large). Figures go into the README.
 */
import { isProfileName, type ProfileName } from '../../fixtures/profiles.js';
import { openAdapter } from '../db/open-adapter.js';
import { openFixture } from '../fixture-store.js';
import type { Dialect } from '../result.js';

const profiles = process.argv.slice(2).filter(isProfileName);
const chosen: ProfileName[] = profiles.length > 0 ? profiles : ['default', 'large'];
const lines = ['| profile | database | rows | seconds | rows/s |', '| --- | --- | ---: | ---: | ---: |'];
for (const profile of chosen) {
  for (const dialect of ['sqlite', 'postgres'] as Dialect[]) {
    const adapter = await openAdapter(dialect, {});
    try {
      const started = performance.now();
      const fixture = await openFixture({ adapter, profile, seed: 42, rebuild: true });
      const seconds = (performance.now() - started) / 1000;
      const rows = Object.values(fixture.info.rowCounts).reduce((a, b) => a + b, 0);
      lines.push(`| ${profile} | ${dialect} | ${rows.toLocaleString('en-US')} | ${seconds.toFixed(2)} | ${Math.round(rows / seconds).toLocaleString('en-US')} |`);
      process.stderr.write(`${lines[lines.length - 1]}\n`);
      await fixture.db.destroy();
    } finally {
      await adapter.close();
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
