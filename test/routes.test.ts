import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import { withoutForm } from '../harness/runner/served-implementation.js';
import { GATE_IDS, canonicalGateId, gatesOf } from '../scenarios/scenario.js';
import { IMPLEMENTATIONS } from '../src/impl/registry.js';
import { EVERY_IMPLEMENTATION, formOf, implementationsServing, matchPattern, routeFor, type Route, type RouteForm } from '../src/http/route.js';
import { IMPLEMENTATION_NAMES, ROUTES, servingImplementations } from '../src/http/routes.js';

const answer =
  (what: string): RouteForm =>
  async () =>
    what;

/** A second endpoint in two forms, beside a write every implementation shares. */
const SUMMARY: Route = { method: 'GET', pattern: '/api/v1/summary/{kind}', forms: { baseline: answer('n+1'), fixed: answer('grouped') } };
const WRITE: Route = { method: 'POST', pattern: '/api/v1/summary/{kind}', forms: { [EVERY_IMPLEMENTATION]: answer('written') } };
const ROUTES_UNDER_TEST = [SUMMARY, WRITE];

describe('routes: patterns, methods and forms', () => {
  it.each([
    ['/api/v1/artifacts', '/api/v1/artifacts', {}],
    ['/api/v1/artifacts', '/api/v1/artifacts/', {}],
    ['/api/v1/artifacts/{id}', '/api/v1/artifacts/skill%3Afoo', { id: 'skill%3Afoo' }],
    ['/api/v1/c/{c}/artifacts/{a}', '/api/v1/c/x/artifacts/y', { c: 'x', a: 'y' }],
  ])('%s matches %s with raw segments %j', (pattern, path, params) => {
    expect(matchPattern(pattern, path)).toEqual(params);
  });

  it.each([
    ['/api/v1/artifacts/{id}', '/api/v1/artifacts'],
    ['/api/v1/artifacts/{id}', '/api/v1/artifacts//'],
    ['/api/v1/artifacts/{id}', '/api/v1/artifacts/a/b'],
    ['/api/v1/artifacts', '/api/v1/artifactsx'],
    ['/api/v1/c/{c}/artifacts', '/api/v1/c//artifacts'],
  ])('%s does not match %s', (pattern, path) => {
    expect(matchPattern(pattern, path)).toBeUndefined();
  });

  it('takes the route of the request method, answers HEAD as GET, and names the allowed methods otherwise', () => {
    expect(routeFor(ROUTES_UNDER_TEST, 'GET', '/api/v1/summary/top')).toEqual({ route: SUMMARY, params: { kind: 'top' } });
    expect(routeFor(ROUTES_UNDER_TEST, 'HEAD', '/api/v1/summary/top')).toEqual({ route: SUMMARY, params: { kind: 'top' } });
    expect(routeFor(ROUTES_UNDER_TEST, 'POST', '/api/v1/summary/top')).toEqual({ route: WRITE, params: { kind: 'top' } });
    expect(routeFor(ROUTES_UNDER_TEST, 'DELETE', '/api/v1/summary/top')).toEqual({ allowed: ['GET', 'POST'] });
    expect(routeFor(ROUTES_UNDER_TEST, 'GET', '/api/v1/other')).toBeUndefined();
  });

  it("serves each implementation its own form, the shared form to every implementation, and nothing to one without a form", async () => {
    expect(await formOf(SUMMARY, 'baseline')?.({} as never)).toBe('n+1');
    expect(await formOf(SUMMARY, 'fixed')?.({} as never)).toBe('grouped');
    expect(formOf(SUMMARY, 'floor')).toBeUndefined();
    // An inherited property is not a form.
    expect(formOf(SUMMARY, 'toString')).toBeUndefined();
    expect(await formOf(WRITE, 'floor')?.({} as never)).toBe('written');
  });

  it('says which implementations serve a request, by its path without the query', () => {
    expect(implementationsServing(ROUTES_UNDER_TEST, 'GET', '/api/v1/summary/top?limit=3')).toEqual(['baseline', 'fixed']);
    expect(implementationsServing(ROUTES_UNDER_TEST, 'POST', '/api/v1/summary/top')).toEqual([EVERY_IMPLEMENTATION]);
    expect(implementationsServing(ROUTES_UNDER_TEST, 'DELETE', '/api/v1/summary/top')).toBeUndefined();
    expect(implementationsServing(ROUTES_UNDER_TEST, 'GET', '/nowhere')).toBeUndefined();
  });
});

describe("the service's routes", () => {
  it('serve the artifact list and detail in every implementation of the endpoint, and the writes in all', () => {
    const names = Object.keys(IMPLEMENTATIONS);
    expect(servingImplementations('GET', '/api/v1/artifacts?limit=50')).toEqual(names);
    expect(servingImplementations('GET', '/api/v1/artifacts/skill:foo')).toEqual(names);
    expect(servingImplementations('POST', '/api/v1/collections/abc/artifacts')).toEqual([EVERY_IMPLEMENTATION]);
    expect(IMPLEMENTATION_NAMES).toEqual(names);
    expect(ROUTES.map((r) => `${r.method} ${r.pattern}`)).toEqual([
      'GET /api/v1/artifacts',
      'GET /api/v1/artifacts/{id}',
      'POST /api/v1/collections/{collection}/artifacts',
      'DELETE /api/v1/collections/{collection}/artifacts/{artifact}',
    ]);
  });

  it('leave out of a scenario the implementations without a form of its routes, never the one under test, the probe or an extra one', () => {
    const all = ['baseline', 'fixed', 'floor', 'denormalized', 'probe'];
    expect(withoutForm(all, ['/api/v1/artifacts?limit=50', '/api/v1/artifacts/skill:foo'], ['fixed'])).toEqual([]);
    // A path no route takes is left to the profiling pass, whose 404 says so.
    expect(withoutForm(all, ['/api/v1/nowhere'], ['fixed'])).toEqual([]);
  });
});

describe('gate ids named for what they judge, with the old ids as aliases', () => {
  it('reads detail-no-regression as not-slower-than-baseline, and every other id as it is', () => {
    expect(canonicalGateId('detail-no-regression')).toBe('not-slower-than-baseline');
    for (const id of GATE_IDS) expect(canonicalGateId(id)).toBe(id);
    expect(canonicalGateId('no-slowdown-vs-ref')).toBe('no-slowdown-vs-ref');
    expect(gatesOf({ gates: ['detail-no-regression', 'not-slower-than-baseline', 'queries-at-most-max'] })).toEqual(['not-slower-than-baseline', 'queries-at-most-max']);
  });

  it('reads a result file written before the rename under the new id', () => {
    // A real run's result.json, written by querygate before the rename.
    const written = readFileSync(join(import.meta.dirname, 'fixtures', 'real-result.sqlite.json'), 'utf8');
    expect(written).toContain('"detail-no-regression"');
    const parsed = parseResultFile(written, 'real-result.sqlite.json');
    const ids = parsed.results.flatMap((r) => r.gates.map((g) => g.id));
    expect(ids).toContain('not-slower-than-baseline');
    expect(ids).not.toContain('detail-no-regression');
  });
});
