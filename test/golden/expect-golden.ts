import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/**
 * Compares text with the golden file test/golden/NAME exactly. With UPDATE_GOLDEN=1 in the
 * environment it rewrites the file instead (then review the diff before committing).
 */
export function expectGolden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(name, import.meta.url));
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing: run the test with UPDATE_GOLDEN=1 to write it`);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
