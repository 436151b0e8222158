import { describe, expect, it } from 'vitest';
import { schemaDifference } from '../harness/db/schema-identity.js';
import { srcWith, TAGS_INDEX_LINE } from './support/src-copy.js';

// `run --against` shares one fixture between REF and the working tree when both build the same
// schema, and gives each side its own otherwise; the comparison runs each side's schema code, so
// that text that changes no schema passes and a change anywhere in it (schema.ts or a dialect's
// triggers) is caught.

describe('schemaDifference', () => {
  it('finds none between a src/ and its copy, nor after a comment that changes no schema', async () => {
    const base = srcWith();
    expect(await schemaDifference(base, srcWith())).toBeUndefined();
    const refactored = srcWith('schema.ts', (text) =>
      text.replace('export async function createSchema(', '// Creates every table, then every index.\nexport async function createSchema('),
    );
    expect(await schemaDifference(base, refactored)).toBeUndefined();
  });

  it('names an added index, on SQLite first', async () => {
    const indexed = srcWith('schema.ts', (text) =>
      text.replace(TAGS_INDEX_LINE, `${TAGS_INDEX_LINE}\n  ['tags', (t) => t.index(['id', 'name'], 'tags_id_name_idx')],`),
    );
    const difference = await schemaDifference(srcWith(), indexed);
    expect(difference).toMatch(/^on SQLite, only the working tree has .*tags_id_name_idx[^;]*$/);
  });

  it('sees a change of a Postgres trigger alone, in the dialect file', async () => {
    const triggered = srcWith('dialect/postgres-dialect.ts', (text) => text.replace('artifact_count = artifact_count + 1', 'artifact_count = artifact_count + 2'));
    expect(await schemaDifference(srcWith(), triggered)).toMatch(/^on Postgres, only REF has .*artifact_count \+ 1.*; only the working tree has .*artifact_count \+ 2/);
  });

  it('fails, rather than passing, when a side has no schema code to run', async () => {
    const broken = srcWith('schema.ts', (text) => text.replace('export async function finishSchema(', 'async function finishSchema('));
    await expect(schemaDifference(srcWith(), broken)).rejects.toThrow(/exports no createSchema and finishSchema/);
  });
});
