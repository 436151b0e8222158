import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeFrame } from '../harness/instrument/call-site.js';

const root = '/home/ci/querygate/';
const sha = '181b013c7f6461dd7ef65bc48aa3f16aef91da1b';

describe('a stack frame as a call site', () => {
  it('is its path relative to the checkout, in src/ or anywhere else in it', () => {
    expect(describeFrame(`${root}src/impl/baseline.ts`, 52, root)).toBe('src/impl/baseline.ts:52');
    expect(describeFrame(`${root}harness/bench/injected-regressions.ts`, 26, root)).toBe('harness/bench/injected-regressions.ts:26');
    expect(describeFrame(pathToFileURL(`${root}test/support/statement-helper.ts`).href, 8, root)).toBe('test/support/statement-helper.ts:8');
  });

  it("is the path inside a revision that run --against exported, with the revision's sha; the working tree's copy is the working tree", () => {
    expect(describeFrame(`${root}reports/out/.revisions/${sha}/src/impl/baseline.ts`, 52, root)).toBe('181b013c7f64:src/impl/baseline.ts:52');
    expect(describeFrame(`${root}reports/out/.revisions/worktree-ba2276773db09314/src/impl/fixed.ts`, 20, root)).toBe('src/impl/fixed.ts:20');
    expect(describeFrame(`/elsewhere/reports/out/.revisions/${sha}/src/impl/baseline.ts`, 52, root)).toBe('181b013c7f64:src/impl/baseline.ts:52');
  });

  it('is an absolute path, marked as such, outside the checkout', () => {
    expect(describeFrame('/opt/app/lib/lazy.ts', 3, root)).toBe('/opt/app/lib/lazy.ts:3 (outside the checkout)');
  });

  it("is none for Node's frames, packages' frames and the harness's forwarding frames", () => {
    expect(describeFrame('node:internal/process/task_queues', 95, root)).toBeNull();
    expect(describeFrame('node:events', 524, root)).toBeNull();
    expect(describeFrame(`${root}node_modules/knex/lib/execution/runner.js`, 30, root)).toBeNull();
    expect(describeFrame('/usr/lib/node_modules/pg/lib/client.js', 30, root)).toBeNull();
    expect(describeFrame(`${root}harness/instrument/query-recorder.ts`, 245, root)).toBeNull();
    expect(describeFrame(`${root}harness/runner/loopback-endpoint.ts`, 62, root)).toBeNull();
    expect(describeFrame('<anonymous>', 1, root)).toBeNull();
  });

  it("keeps the harness's own statements its own: the drift probe's handler issues one", () => {
    expect(describeFrame(`${root}harness/runner/served-implementation.ts`, 44, root)).toBe('harness/runner/served-implementation.ts:44');
  });
});
