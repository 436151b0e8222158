import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleResult } from './fixtures/sample-result.js';
import { testFolder } from './support/databases.js';
import { runCli, showExit, stderrLines, type CliExit } from './support/run-cli.js';

/**
 * Bad usage and bad input (issue 7, item 1): exit 2, one line on stderr that says what is wrong
 * and what is accepted (plus at most a `hint:` line), no stack trace unless --verbose, nothing on
 * stdout, and never the password of a URL.
 */

const SECRET = 'secret';

interface Case {
  name: string;
  args: string[];
  /** Each must occur in the error line: what is wrong, and what is accepted. */
  says: (string | RegExp)[];
  env?: NodeJS.ProcessEnv;
}

// No shared data folder: anything a case would start or seed lands in this run's test folder.
const cacheDir = testFolder('cli-bad-input-cache');
const out = join(testFolder('cli-bad-input-out'), 'out');
const dir = testFolder('cli-bad-input-files');
const files = {
  good: join(dir, 'good.json'),
  malformed: join(dir, 'malformed.json'),
  foreign: join(dir, 'foreign.json'),
  future: join(dir, 'future.json'),
  empty: join(dir, 'empty.json'),
  missing: join(dir, 'no-such-result.json'),
};

beforeAll(() => {
  writeFileSync(files.good, JSON.stringify(sampleResult()));
  writeFileSync(files.malformed, '{"tool": "querygate", "schemaVersion": 1,');
  writeFileSync(files.foreign, JSON.stringify({ name: 'some-package', version: '1.0.0' }));
  writeFileSync(files.future, JSON.stringify({ ...sampleResult(), schemaVersion: 99 }));
  writeFileSync(files.empty, '');
});

const cases: Case[] = [
  // Commands and choices.
  { name: 'no command', args: [], says: ['name a command', /run, seed, serve, compare/] },
  { name: 'unknown command', args: ['frobnicate'], says: ['unknown command "frobnicate"', /commands: run, seed, serve, compare, report/] },
  { name: 'misspelt command', args: ['rnu'], says: ['unknown command "rnu"', 'did you mean run?'] },
  { name: 'unknown option', args: ['run', '--frobnicate'], says: ['--frobnicate'] },
  { name: 'unknown scenario', args: ['run', '--scenario', 'nope'], says: ['--scenario "nope"', /list-50.*list-filtered.*detail.*page-sizes/] },
  { name: '--scenario without a name', args: ['run', '--scenario'], says: ['--scenario needs a value'] },
  { name: 'unknown database', args: ['run', '--db', 'mysql'], says: ['--db "mysql"', /sqlite, postgres, all/] },
  { name: 'unknown database for seed', args: ['seed', '--db', 'oracle'], says: ['--db "oracle"', /sqlite, postgres/] },
  { name: 'unknown profile', args: ['run', '--profile', 'huge'], says: ['--profile "huge"', /small, default, large, xl/] },
  { name: 'unknown implementation', args: ['run', '--impl', 'magic'], says: ['--impl "magic"', /baseline/] },
  // Numbers.
  { name: 'negative seed', args: ['run', '--seed', '-1'], says: ['--seed', 'got -1', 'integer from 0 to 2147483647'] },
  { name: 'seed that is not a number', args: ['run', '--seed', 'abc'], says: ['--seed', 'not a number', 'integer from 0'] },
  { name: 'seed without a value', args: ['run', '--seed'], says: ['--seed needs a value'] },
  { name: 'zero samples', args: ['run', '--samples', '0'], says: ['--samples', 'got 0', 'integer from 5'] },
  { name: 'fractional samples', args: ['run', '--samples', '2.5'], says: ['--samples', 'got 2.5', 'integer'] },
  { name: 'an MDE target at the minimum effect', args: ['run', '--against', 'HEAD', '--mde', '2'], says: ['--mde', 'got 2', 'above --min-effect (2)'] },
  { name: 'an MDE target under a larger minimum effect', args: ['run', '--against', 'HEAD', '--min-effect', '5', '--mde', '4'], says: ['--mde', 'got 4', 'above --min-effect (5)'] },
  { name: 'a maximum time of zero', args: ['run', '--against', 'HEAD', '--max-time', '0'], says: ['--max-time', 'got 0', 'seconds from 0.5'] },
  { name: 'a maximum time without --against', args: ['run', '--max-time', '30'], says: ['--max-time applies to --against REF'] },
  { name: 'port out of range', args: ['serve', '--db', 'sqlite', '--port', '70000'], says: ['--port', 'got 70000', 'integer from 0 to 65535'] },
  { name: 'negative p95 threshold', args: ['run', '--p95-ms', '-5'], says: ['--p95-ms', 'positive number'] },
  { name: 'threshold that is not a percentage', args: ['compare', 'a.json', 'b.json', '--threshold', 'lots'], says: ['--threshold', '10%'] },
  // Result files for report and compare.
  { name: 'report: missing positional', args: ['report'], says: ['report needs 1', 'RESULT.json'] },
  { name: 'report: missing file', args: ['report', files.missing], says: [files.missing, 'no such file', 'schemaVersion 1'] },
  { name: 'report: malformed JSON', args: ['report', files.malformed], says: [files.malformed, 'not valid JSON', 'schemaVersion 1'] },
  { name: 'report: empty file', args: ['report', files.empty], says: [files.empty, 'empty', 'schemaVersion 1'] },
  { name: 'report: not a querygate result', args: ['report', files.foreign], says: [files.foreign, 'not a querygate result', 'querygate run'] },
  { name: 'report: unknown schemaVersion', args: ['report', files.future], says: [files.future, 'schemaVersion 99', 'schemaVersion 1'] },
  { name: 'compare: one file only', args: ['compare', files.good], says: ['compare needs 2', 'BEFORE.json AFTER.json'] },
  { name: 'compare: missing file', args: ['compare', files.good, files.missing], says: [files.missing, 'no such file'] },
  { name: 'compare: malformed JSON', args: ['compare', files.malformed, files.good], says: [files.malformed, 'not valid JSON'] },
  { name: 'compare: not a querygate result', args: ['compare', files.good, files.foreign], says: [files.foreign, 'not a querygate result'] },
  { name: 'compare: unknown schemaVersion', args: ['compare', files.future, files.good], says: [files.future, 'schemaVersion 99'] },
  // Sharded runs, merge, compare --base and history (issue 12).
  { name: '--shard out of range', args: ['run', '--shard', '3/2'], says: ['--shard', 'K/N with 1 <= K <= N', 'got "3/2"', '--shard 1/2'] },
  { name: '--shard that is not K/N', args: ['run', '--shard', 'half'], says: ['--shard', 'got "half"'] },
  { name: 'merge: one file only', args: ['merge', files.good], says: ['merge needs 2 or more result files', 'querygate merge'] },
  { name: 'merge: the same part twice', args: ['merge', files.good, files.good, '--out', out], says: ['cannot merge', 'measured by both'] },
  { name: 'compare --base with two files', args: ['compare', '--base', 'HEAD', files.good, files.good], says: ['--base REF takes at most one result file'] },
  { name: 'history: --max-count too small', args: ['history', '--max-count', '1'], says: ['--max-count', 'integer from 2', '--max-count 100'] },
  { name: 'history: --significance out of range', args: ['history', '--significance', '2'], says: ['--significance', 'between 0 and 1'] },
  // Postgres URLs that do not parse: the password must never be echoed.
  { name: '--pg-url that is not a URL', args: ['run', '--pg-url', 'not a url'], says: ['--pg-url', 'Invalid Postgres URL', 'postgres://'] },
  { name: '--pg-url with a bad port', args: ['run', '--pg-url', `postgres://u:${SECRET}@host:notaport/db`], says: ['--pg-url', 'port must be a number from 1 to 65535', 'postgres://u:***@host'] },
  { name: '--pg-url of another protocol', args: ['run', '--pg-url', `mysql://u:${SECRET}@host/db`], says: ['protocol must be postgres'] },
  { name: '--pg-url without a database', args: ['seed', '--db', 'postgres', '--pg-url', `postgres://u:${SECRET}@host:5432`], says: ['missing database name'] },
  {
    name: 'DATABASE_URL with a bad port',
    args: ['run', '--db', 'postgres', '--quick', '--out', out],
    env: { DATABASE_URL: `postgres://u:${SECRET}@host:notaport/db` },
    says: ['DATABASE_URL', 'port must be a number', 'postgres://u:***@host'],
  },
  { name: 'a URL given as a stray argument', args: ['run', `postgres://u:${SECRET}@host/db`], says: ['unknown option or argument', 'postgres://u:***@host/db'] },
];

function expectUsageError(exit: CliExit, says: (string | RegExp)[]): void {
  const context = showExit(exit);
  expect(exit.code, context).toBe(2);
  expect(exit.stdout, context).toBe('');
  const lines = stderrLines(exit);
  expect(lines.length, context).toBeGreaterThanOrEqual(1);
  expect(lines.length, context).toBeLessThanOrEqual(2);
  const [error, hint] = lines;
  expect(error, context).toMatch(/^querygate: error: \S/);
  if (hint !== undefined) expect(hint, context).toMatch(/^hint: \S/);
  for (const expected of says) {
    if (typeof expected === 'string') expect(error, context).toContain(expected);
    else expect(error, context).toMatch(expected);
  }
  expect(exit.stderr, context).not.toMatch(/^\s+at /m);
  expect(exit.stdout + exit.stderr, context).not.toContain(SECRET);
}

describe.concurrent('querygate on bad input exits 2 with one line', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const exit = await runCli(c.args, { QUERYGATE_CACHE_DIR: cacheDir, ...c.env });
      expectUsageError(exit, c.says);
    });
  }
});

describe('--verbose', () => {
  it('adds the stack trace, still without the password', async () => {
    const exit = await runCli(['run', '--verbose', '--pg-url', `postgres://u:${SECRET}@host:notaport/db`], { QUERYGATE_CACHE_DIR: cacheDir });
    const context = showExit(exit);
    expect(exit.code, context).toBe(2);
    expect(stderrLines(exit)[0], context).toMatch(/^querygate: error: --pg-url: Invalid Postgres URL/);
    expect(exit.stderr, context).toMatch(/^\s+at /m);
    expect(exit.stdout + exit.stderr, context).not.toContain(SECRET);
  });
});
