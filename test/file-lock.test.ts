import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireFileLock, LockTimeoutError } from '../harness/db/embedded-postgres/file-lock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qg-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('acquireFileLock', () => {
  it('is exclusive until released, then free again', async () => {
    const file = path.join(dir, 'a.lock');
    const first = await acquireFileLock(file, 5_000, 'the test lock');
    expect(first).not.toBeNull();
    expect(await acquireFileLock(file, 0, 'the test lock')).toBeNull();
    first?.release();
    const again = await acquireFileLock(file, 5_000, 'the test lock');
    expect(again).not.toBeNull();
    again?.release();
  });

  it('names the lock it waited for when the wait times out', async () => {
    const file = path.join(dir, 'b.lock');
    const held = await acquireFileLock(file, 5_000, 'the test lock');
    try {
      const waiting = acquireFileLock(file, 200, 'the test lock');
      await expect(waiting).rejects.toBeInstanceOf(LockTimeoutError);
      await expect(waiting).rejects.toThrow(`timed out after 0.2 s waiting for the test lock (${file})`);
    } finally {
      held?.release();
    }
  });
});
