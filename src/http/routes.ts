import { IMPLEMENTATIONS } from '../impl/registry.js';
import { artifactRoutes } from './artifact-routes.js';
import { collectionRoutes } from './collection-routes.js';
import { EVERY_IMPLEMENTATION, implementationsServing, type Route } from './route.js';

/**
 * Every route of the service, with its forms. A new route is a file that exports a `Route` (its
 * pattern and one form per implementation that answers it) and one line here; the served API of
 * an implementation is the forms it has, composed by `createRequestHandler`.
 */
export const ROUTES: readonly Route[] = [...artifactRoutes(Object.values(IMPLEMENTATIONS)), ...collectionRoutes];

/** Every implementation name: the artifact endpoint's, and any a route's forms name. */
export const IMPLEMENTATION_NAMES: readonly string[] = [
  ...new Set([...Object.keys(IMPLEMENTATIONS), ...ROUTES.flatMap((route) => Object.keys(route.forms))].filter((name) => name !== EVERY_IMPLEMENTATION)),
];

/**
 * Which implementations answer `method url` with a form of their own, or `['*']` when one form
 * answers for all; undefined when no route takes it. The harness measures only these.
 */
export function servingImplementations(method: string, url: string): string[] | undefined {
  return implementationsServing(ROUTES, method, url);
}
