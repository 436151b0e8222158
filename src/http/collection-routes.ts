import type { IncomingMessage } from 'node:http';
import type { Knex } from 'knex';
import { parseArtifactId } from '../params.js';
import { HttpError, badRequest, notFound } from './http-error.js';
import { EVERY_IMPLEMENTATION, Reply, type Route } from './route.js';

export const COLLECTIONS_PATH = '/api/v1/collections';
/** Collection ids as the service issues them: 32 lowercase hex digits. */
export const COLLECTION_ID_PATTERN = /^[0-9a-f]{32}$/;
/** The largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 4096;
const BODY_FIELDS = ['artifact_id'] as const;

/** What the membership routes answer on success; the count is the collection's after the write. */
export interface MembershipResponse {
  collection_id: string;
  artifact_id: string;
  artifact_count: number;
}

const quote = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);

/**
 * The membership write routes, whatever implementation serves the reads: they write the shared
 * tables, and the database's triggers keep `collections.artifact_count` exact.
 *   POST   /api/v1/collections/{id}/artifacts               {"artifact_id": "type:name"}  201 added, 200 already a member
 *   DELETE /api/v1/collections/{id}/artifacts/{type:name}                                 204 whether or not it was a member
 * Each write is one transaction; every value is a bound parameter.
 */
export const collectionRoutes: Route[] = [
  {
    method: 'POST',
    pattern: `${COLLECTIONS_PATH}/{collection}/artifacts`,
    forms: {
      [EVERY_IMPLEMENTATION]: async ({ db, req, params, search }) => {
        refuseQuery(search);
        const collectionId = parseCollectionId(decodeSegment(params['collection'] ?? '', 'collection id'));
        return addMember(db, collectionId, parseAddBody(await readJsonBody(req)));
      },
    },
  },
  {
    method: 'DELETE',
    pattern: `${COLLECTIONS_PATH}/{collection}/artifacts/{artifact}`,
    forms: {
      [EVERY_IMPLEMENTATION]: async ({ db, params, search }) => {
        refuseQuery(search);
        const collectionId = parseCollectionId(decodeSegment(params['collection'] ?? '', 'collection id'));
        return removeMember(db, collectionId, parseArtifactId(decodeSegment(params['artifact'] ?? '', 'artifact id')));
      },
    },
  },
];

function refuseQuery(search: URLSearchParams): void {
  if ([...search.keys()].length > 0) throw badRequest('this endpoint takes no query parameters');
}

async function addMember(db: Knex, collectionId: string, artifactId: string): Promise<Reply> {
  return db.transaction(async (trx) => {
    await requireCollection(trx, collectionId);
    const artifact = await trx('artifacts').where('id', artifactId).first('id');
    if (artifact === undefined) throw notFound(`no artifact with id ${JSON.stringify(artifactId)}`);
    // A concurrent add of the same pair waits for the first and then inserts nothing.
    const inserted: unknown[] = await trx('collection_artifacts')
      .insert({ collection_id: collectionId, artifact_id: artifactId, added_at: new Date().toISOString() })
      .onConflict(['collection_id', 'artifact_id'])
      .ignore()
      .returning('artifact_id');
    const body: MembershipResponse = { collection_id: collectionId, artifact_id: artifactId, artifact_count: await countOf(trx, collectionId) };
    return new Reply(inserted.length > 0 ? 201 : 200, body);
  });
}

async function removeMember(db: Knex, collectionId: string, artifactId: string): Promise<Reply> {
  await db.transaction(async (trx) => {
    await requireCollection(trx, collectionId);
    await trx('collection_artifacts').where({ collection_id: collectionId, artifact_id: artifactId }).delete();
  });
  return new Reply(204);
}

async function requireCollection(trx: Knex.Transaction, collectionId: string): Promise<void> {
  const collection = await trx('collections').where('id', collectionId).first('id');
  if (collection === undefined) throw notFound(`no collection with id ${JSON.stringify(collectionId)}`);
}

async function countOf(trx: Knex.Transaction, collectionId: string): Promise<number> {
  const row: { artifact_count: number | string } | undefined = await trx('collections').where('id', collectionId).first('artifact_count');
  return Number(row?.artifact_count ?? 0);
}

function decodeSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`${what} is not valid percent-encoding`);
  }
}

function parseCollectionId(raw: string): string {
  if (!COLLECTION_ID_PATTERN.test(raw)) {
    throw badRequest(`collection id must be 32 lowercase hexadecimal characters (${COLLECTION_ID_PATTERN.source}), got ${quote(raw)}`);
  }
  return raw;
}

function parseAddBody(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('body must be a JSON object {"artifact_id": "type:name"}');
  }
  const extra = Object.keys(body).filter((key) => !(BODY_FIELDS as readonly string[]).includes(key));
  if (extra.length > 0) {
    throw badRequest(`unknown field${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map(quote).join(', ')} in body; accepted: ${BODY_FIELDS.join(', ')}`);
  }
  const artifactId: unknown = (body as Record<string, unknown>).artifact_id;
  if (typeof artifactId !== 'string') throw badRequest('body field "artifact_id" must be a string "type:name"');
  return parseArtifactId(artifactId);
}

/** The request's body as JSON: application/json in UTF-8, at most MAX_BODY_BYTES. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const contentType = req.headers['content-type'] ?? '';
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
    throw new HttpError(415, `content-type must be application/json (UTF-8), got ${quote(contentType)}`);
  }
  const tooLarge = new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Keep draining (and dropping) the rest, so the answer reaches the client.
      req.off('data', onData);
      req.resume();
      reject(tooLarge);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => reject(badRequest('request body ended before it was complete')));
  });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('request body is not valid JSON; send {"artifact_id": "type:name"}');
  }
}
