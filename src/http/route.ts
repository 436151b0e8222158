import type { IncomingMessage } from 'node:http';
import type { Knex } from 'knex';
import type { CursorCodec } from '../cursor.js';

/** What a route's form is given: the database, the request and its parsed URL. */
export interface RouteRequest {
  db: Knex;
  req: IncomingMessage;
  /** The path without its query, e.g. `/api/v1/artifacts/skill:foo`. */
  path: string;
  /** Each `{name}` segment of the route's pattern, raw (not percent-decoded): the form decodes and checks it. */
  params: Readonly<Record<string, string>>;
  search: URLSearchParams;
  cursors: CursorCodec;
}

/**
 * One way of answering a route: the response body (sent with 200 as JSON), or a {@link Reply} for
 * another status; an `HttpError` for a client's mistake.
 */
export type RouteForm = (request: RouteRequest) => Promise<unknown>;

/** A route's answer with a status other than the reads' 200, and a body unless 204. */
export class Reply {
  constructor(
    readonly status: 200 | 201 | 204,
    readonly body?: unknown,
  ) {}
}

/** A form that serves every implementation alike (writes, or a read with one form only). */
export const EVERY_IMPLEMENTATION = '*';

/**
 * A route of the service and its forms: one per implementation that answers it differently, so
 * an endpoint can exist in several forms (the N+1 and the fix) without the others growing a
 * method. An implementation with no form of a route (and no `*` form) does not serve it: it
 * answers 404, and the harness does not measure it on that route.
 */
export interface Route {
  /** GET routes also answer HEAD. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/api/v1/artifacts/{id}`: a `{name}` segment matches one non-empty segment. */
  pattern: string;
  /** Forms by implementation name; `*` (EVERY_IMPLEMENTATION) serves the others. */
  forms: Readonly<Record<string, RouteForm>>;
}

/** A trailing slash names the same resource: `/api/v1/artifacts/` is the list. */
function segmentsOf(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/');
}

/** The route's `{name}` segments for `path`, or undefined when the path is not this route's. */
export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = segmentsOf(pattern);
  const got = segmentsOf(path);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const value = got[i] ?? '';
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name !== undefined) {
      if (value === '') return undefined;
      params[name] = value;
    } else if (segment !== value) return undefined;
  }
  return params;
}

/** The form `implementation` answers `route` with, if it serves it. */
export function formOf(route: Route, implementation: string): RouteForm | undefined {
  const forms = route.forms;
  if (Object.hasOwn(forms, implementation)) return forms[implementation];
  return Object.hasOwn(forms, EVERY_IMPLEMENTATION) ? forms[EVERY_IMPLEMENTATION] : undefined;
}

/** The route (of those matching the path) that takes this method; HEAD is answered as GET. */
export function routeFor(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
  const matching = routes.flatMap((route) => {
    const params = matchPattern(route.pattern, path);
    return params === undefined ? [] : [{ route, params }];
  });
  if (matching.length === 0) return undefined;
  const wanted = method === 'HEAD' ? 'GET' : method;
  return matching.find((m) => m.route.method === wanted) ?? { allowed: [...new Set(matching.map((m) => m.route.method))] };
}

/**
 * Which implementations serve a request (`GET /api/v1/artifacts?limit=50`): their names, or
 * `['*']` when one form serves them all; undefined when no route of this method matches.
 */
export function implementationsServing(routes: readonly Route[], method: string, url: string): string[] | undefined {
  const q = url.indexOf('?');
  const found = routeFor(routes, method, q < 0 ? url : url.slice(0, q));
  if (found === undefined || !('route' in found)) return undefined;
  return Object.keys(found.route.forms);
}
