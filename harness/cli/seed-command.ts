import { openFixtureForCli, type CliDatabaseArgs } from './open-fixture-for-cli.js';
import { withSignals } from './signals.js';

export async function seedCommand(args: CliDatabaseArgs): Promise<number> {
  return withSignals(async () => {
    const { adapter, fixture, ms } = await openFixtureForCli(args);
    try {
      const { info } = fixture;
      const total = Object.values(info.rowCounts).reduce((a, b) => a + b, 0);
      const seconds = (ms / 1000).toFixed(2);
      const how = fixture.reused ? `reused in ${seconds} s (unchanged since seeding)` : `${fixture.rebuiltBecause === undefined ? 'seeded' : 'rebuilt'} in ${seconds} s (${Math.round(total / (ms / 1000)).toLocaleString('en-US')} rows/s)`;
      process.stdout.write(`${adapter.dialect} fixture ${info.profile} (seed ${info.seed}) at ${adapter.dialect === 'sqlite' ? fixture.namespace : `${adapter.location} schema ${fixture.namespace}`}: ${how}\n`);
      for (const [table, n] of Object.entries(info.rowCounts)) process.stdout.write(`  ${table.padEnd(22)} ${String(n).padStart(9)}\n`);
      process.stdout.write(`checksum: ${info.checksum}\n`);
      return 0;
    } finally {
      await adapter.close();
    }
  });
}
