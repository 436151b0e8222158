import type { Implementation } from '../impl/implementation.js';
import { parseArtifactId, parseListQuery } from '../params.js';
import { badRequest, notFound } from './http-error.js';
import type { Route, RouteForm } from './route.js';

export const LIST_PATH = '/api/v1/artifacts';

/** The list's form of one artifact implementation. */
function listForm(impl: Implementation): RouteForm {
  return ({ db, search, cursors }) => impl.listArtifacts(db, parseListQuery(search, cursors), cursors);
}

/** The detail's form of one artifact implementation: 404 for an unknown id. */
function detailForm(impl: Implementation): RouteForm {
  return async ({ db, params, search }) => {
    if ([...search.keys()].length > 0) throw badRequest('the detail endpoint takes no query parameters');
    let decoded: string;
    try {
      decoded = decodeURIComponent(params['id'] ?? '');
    } catch {
      throw badRequest('artifact id is not valid percent-encoding');
    }
    const id = parseArtifactId(decoded);
    const item = await impl.getArtifact(db, id);
    if (item === null) throw notFound(`no artifact with id ${JSON.stringify(id)}`);
    return item;
  };
}

/**
 * The artifact endpoint's two routes, with one form per implementation of it:
 *   GET /api/v1/artifacts            the list (filters, keyset pagination)
 *   GET /api/v1/artifacts/{type:name} one artifact
 */
export function artifactRoutes(implementations: readonly Implementation[]): Route[] {
  return [
    { method: 'GET', pattern: LIST_PATH, forms: Object.fromEntries(implementations.map((impl) => [impl.name, listForm(impl)])) },
    { method: 'GET', pattern: `${LIST_PATH}/{id}`, forms: Object.fromEntries(implementations.map((impl) => [impl.name, detailForm(impl)])) },
  ];
}
