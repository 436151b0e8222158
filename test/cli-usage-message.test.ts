import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE_STRINGS, usageMessage } from '../harness/cli/usage-message.js';

// The installed yargs' English templates (its package exports do not expose the file: read it where npm put it).
const locale = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', 'yargs', 'locales', 'en.json'), 'utf8')) as Record<string, unknown>;
const RS = '\u001e';
const US = '\u001f';

describe('yargs problems read as data, not as English', () => {
  it('replaces templates yargs really has: a yargs that renames one fails here, not in a user\'s terminal', () => {
    for (const key of Object.keys(USAGE_STRINGS)) expect(locale, key).toHaveProperty([key]);
  });

  it.each([
    [`${RS}did-you-mean${US}run`, ['rnu'], 'unknown command "rnu" (did you mean run?); commands: run, seed, serve, compare, report, comment, merge, history'],
    [`${RS}unknown${US}frob`, ['frob'], 'unknown command "frob"; commands: run, seed, serve, compare, report, comment, merge, history'],
    [`${RS}unknown${US}frob, x`, ['run', '--frob', 'x'], 'unknown option or argument --frob, "x"'],
    [`${RS}invalid-values\n  ${RS}choice${US}db${US}"mysql"${US}"sqlite", "postgres"`, ['run', '--db', 'mysql'], '--db "mysql" is not accepted; choose from sqlite, postgres'],
    [`${RS}needs-value${US}seed`, ['run', '--seed'], '--seed needs a value'],
    [`${RS}too-few${US}0${US}1`, ['report'], 'report needs 1 file argument(s), got 0: querygate report RESULT.json'],
    [`${RS}too-many${US}3${US}2`, ['compare', 'a', 'b', 'c'], 'compare takes at most 2 file argument(s), got 3: querygate compare BEFORE.json AFTER.json'],
    [`${RS}required${US}db`, ['seed'], 'missing --db'],
    ['name a command: run, seed', [], 'name a command: run, seed'],
  ])('%j', (message, args, expected) => {
    expect(usageMessage(message, args)).toBe(expected);
  });
});
