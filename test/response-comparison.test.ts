import { describe, expect, it } from 'vitest';
import { RequestLog } from '../harness/instrument/query-recorder.js';
import type { Exchange } from '../harness/runner/loopback-endpoint.js';
import type { ResolvedRequest } from '../harness/runner/resolve-requests.js';
import { scenarioResult } from '../harness/runner/scenario-result.js';

const exchange = (body: unknown, status = 200): Exchange => ({ status, body: typeof body === 'string' ? body : JSON.stringify(body), wallMs: 1, log: new RequestLog() });

/** The implementation's result against the baseline's answers to the same requests. */
function compared(requests: ResolvedRequest[], baseline: Exchange[], mine: Exchange[]) {
  const result = scenarioResult({ scenario: 's', dialect: 'sqlite', concurrency: 1, requests }, 'fixed', mine, undefined, baseline);
  return { same: result.sameResponse, diff: result.responseDiff };
}

/** A route whose answer carries the time it was made, and a list in no promised order. */
const withoutTimestamp = (body: unknown) => {
  const { generated_at: _dropped, items } = body as { generated_at: string; items: string[] };
  return { items: [...items].sort() };
};

describe("a scenario's response comparison with the baseline", () => {
  it('compares the bytes by default: a generated timestamp or another order is a difference', () => {
    const requests = [{ label: 'top', path: '/top' }];
    expect(compared(requests, [exchange({ items: ['a'] })], [exchange({ items: ['a'] })])).toEqual({ same: true, diff: undefined });
    const other = compared(requests, [exchange({ generated_at: '1', items: ['a', 'b'] })], [exchange({ generated_at: '2', items: ['a', 'b'] })]);
    expect(other.same).toBe(false);
    expect(other.diff).toMatch(/^\/top: first difference at byte 17/);
  });

  it('compares only what the request\'s compare function keeps, as canonical JSON', () => {
    const requests = [{ label: 'top', path: '/top', compare: withoutTimestamp }];
    expect(compared(requests, [exchange({ generated_at: '1', items: ['b', 'a'] })], [exchange({ generated_at: '2', items: ['a', 'b'] })]).same).toBe(true);
    const differs = compared(requests, [exchange({ generated_at: '1', items: ['a', 'b'] })], [exchange({ generated_at: '1', items: ['a', 'c'] })]);
    expect(differs.same).toBe(false);
    expect(differs.diff).toMatch(/^\/top: in the part the scenario compares, first difference/);
  });

  it('always compares the status, and a body that is not JSON whole', () => {
    const requests = [{ label: 'top', path: '/top', compare: () => 'same' }];
    const status = compared(requests, [exchange({ items: [] })], [exchange({ items: [] }, 404)]);
    expect(status.same).toBe(false);
    expect(status.diff).toMatch(/^\/top: status 200 vs 404/);
    expect(compared(requests, [exchange('plain text')], [exchange('other text')]).same).toBe(false);
    expect(compared(requests, [exchange('plain text')], [exchange('plain text')]).same).toBe(true);
  });

  it('finds the first request that differs, each with its own comparison', () => {
    const requests = [
      { label: 'a', path: '/a', compare: withoutTimestamp },
      { label: 'b', path: '/b' },
    ];
    const baseline = [exchange({ generated_at: '1', items: ['x'] }), exchange({ n: 1 })];
    expect(compared(requests, baseline, [exchange({ generated_at: '9', items: ['x'] }), exchange({ n: 1 })]).same).toBe(true);
    expect(compared(requests, baseline, [exchange({ generated_at: '9', items: ['x'] }), exchange({ n: 2 })]).diff).toMatch(/^\/b: /);
  });
});
