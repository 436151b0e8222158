import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaDifference } from '../harness/db/schema-identity.js';
import { testFolder } from './support/databases.js';

// `run --against` shares one fixture between REF and the working tree only when both build the
// same schema; the comparison runs each side's schema code, so that text that changes no schema
// passes and a change anywhere in it (schema.ts or a dialect's triggers) is caught.

/** A copy of src/ with `edit` applied to one file (a folder of its own: modules load once per path). */
function srcWith(file?: string, edit?: (text: string) => string): string {
  const dir = join(testFolder('schema-identity'), 'src');
  cpSync(join(process.cwd(), 'src'), dir, { recursive: true });
  if (file !== undefined && edit !== undefined) {
    const path = join(dir, file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
    writeFileSync(path, after);
  }
  return dir;
}

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
      text.replace("  ['tags', (t) => t.unique(['name'], { indexName: 'tags_name_uq' })],", "  ['tags', (t) => t.unique(['name'], { indexName: 'tags_name_uq' })],\n  ['tags', (t) => t.index(['id', 'name'], 'tags_id_name_idx')],"),
    );
    const difference = await schemaDifference(srcWith(), indexed);
    expect(difference).toMatch(/^on SQLite, REF has .* where the working tree has .*tags_id_name_idx/);
  });

  it('sees a change of a Postgres trigger alone, in the dialect file', async () => {
    const triggered = srcWith('dialect/postgres-dialect.ts', (text) => text.replace('artifact_count = artifact_count + 1', 'artifact_count = artifact_count + 2'));
    expect(await schemaDifference(srcWith(), triggered)).toMatch(/^on Postgres, .*artifact_count \+ 1.* where the working tree has .*artifact_count \+ 2/);
  });

  it('fails, rather than passing, when a side has no schema code to run', async () => {
    const broken = srcWith('schema.ts', (text) => text.replace('export async function finishSchema(', 'async function finishSchema('));
    await expect(schemaDifference(srcWith(), broken)).rejects.toThrow(/exports no createSchema and finishSchema/);
  });
});
