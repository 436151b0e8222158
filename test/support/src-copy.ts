import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { testFolder } from './databases.js';

/**
 * A copy of src/ in a folder of its own (modules load once per path), with `edit` applied to
 * `file` when given; the edit must change something.
 */
export function srcWith(file?: string, edit?: (text: string) => string): string {
  const dir = join(testFolder('src-copy'), 'src');
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

/** The schema line that declares the tags' unique name index (an anchor for adding one beside it). */
export const TAGS_INDEX_LINE = "  ['tags', (t) => t.unique(['name'], { indexName: 'tags_name_uq' })],";
