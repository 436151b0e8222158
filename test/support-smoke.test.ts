import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFixture, TEST_DIALECTS, type TestFixture } from './support/databases.js';

describe.each(TEST_DIALECTS)('test databases on %s', (dialect) => {
  let fixture: TestFixture;
  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
  });
  afterAll(async () => fixture?.close());

  it('seeds the small profile with its marker and checksum', async () => {
    const row = await fixture.db('artifacts').count({ n: '*' }).first();
    expect(Number(row?.n)).toBe(1000);
    expect(fixture.info.checksum).toMatch(/^[0-9a-f]{16,}$/);
  });
});
