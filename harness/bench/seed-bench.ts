/**
 * Seeding benchmark: builds each profile from scratch on each database and prints rows/s.
 * `npm run bench:seed -- [profile ...] [sqlite|postgres ...]` (default: default large, both
 * databases; `xl` takes minutes). Figures go into docs/figures.md. Wall seconds include the Node
 * process's CPU (generation, checksum) and the database's work; `node cpu s` is the former alone,
 * a figure less disturbed by other load on a shared machine.
 */
import { FIXTURE_SEED } from '../core/defaults.js';
import { isProfileName, type ProfileName } from '../../fixtures/profiles.js';
import { openAdapter } from '../db/open-adapter.js';
import { openFixture } from '../fixture-store/fixture-store.js';
import type { Dialect } from '../core/result.js';

const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];
const args = process.argv.slice(2);
const unknown = args.filter((a) => !isProfileName(a) && !(DIALECTS as readonly string[]).includes(a));
if (unknown.length > 0) {
  process.stderr.write(`bench:seed: unknown argument ${unknown.join(', ')}; give profiles (small default large xl) and databases (sqlite postgres)\n`);
  process.exit(2);
}
const profiles = args.filter(isProfileName);
const chosen: ProfileName[] = profiles.length > 0 ? profiles : ['default', 'large'];
const dialects = DIALECTS.filter((d) => args.includes(d));
const lines = ['| profile | database | rows | seconds | rows/s | node cpu s |', '| --- | --- | ---: | ---: | ---: | ---: |'];
for (const profile of chosen) {
  for (const dialect of dialects.length > 0 ? dialects : DIALECTS) {
    const adapter = await openAdapter(dialect, {});
    try {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const fixture = await openFixture({ adapter, profile, seed: FIXTURE_SEED, rebuild: true });
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const rows = Object.values(fixture.info.rowCounts).reduce((a, b) => a + b, 0);
      const cells = [profile, dialect, rows.toLocaleString('en-US'), seconds.toFixed(2), Math.round(rows / seconds).toLocaleString('en-US'), ((used.user + used.system) / 1e6).toFixed(2)];
      lines.push(`| ${cells.join(' | ')} |`);
      process.stderr.write(`${lines[lines.length - 1]}\n`);
      await fixture.db.destroy();
    } finally {
      await adapter.close();
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
