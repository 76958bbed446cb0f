import { stringifyJson, ts, type JsonValue } from '../../http/json.js';
import { bsoJson } from './bso.js';
import { parseListBody } from './body.js';
import { bodyFormat, checkDeclaredSizes, responseFormat, type BodyFormat } from './headers.js';
import { SYNC15_POLICY } from './policy.js';
import { selectPostItems } from './post.js';
import { cursorOf } from '../../storage/page-ends.js';
import type { SortOrder, StoredBso } from '../../storage/types.js';
import {
  checkTokenFits,
  formatOffsetToken,
  parseBatchMode,
  parseCollectionQuery,
  parseIds,
  type CollectionQuery,
} from './query.js';
import {
  jsonReply,
  readConditionalReply,
  writeOptions,
  writePrecondition,
  type StorageReply,
  type StorageRequest,
} from './reply.js';

function collectionOf(req: StorageRequest): string {
  return req.route.collection as string;
}

/** GET /storage/{collection} (spec 1.5 §2.8). */
export async function getCollection(req: StorageRequest): Promise<StorageReply> {
  const query = parseCollectionQuery(req.params);
  const format = responseFormat(req.headers);
  const cap = req.context.config.sync15.maxTotalRecords;
  const limit = Math.min(query.limit ?? cap, cap);
  // Full downloads default to newest first; id lists keep storage order (RS get_bsos).
  const sort = query.sort ?? (query.full ? 'newest' : undefined);
  checkTokenFits(query, sort);
  const result = await req.context.engine.query(
    req.userId,
    collectionOf(req),
    {
      // An empty `ids=` filters nothing, as in RS.
      ids: query.ids && query.ids.length > 0 ? query.ids : undefined,
      newer: query.newer,
      older: query.older,
      sort,
      limit,
      offset: query.offset,
      ...(query.after ? { after: query.after.cursor } : {}),
      idsOnly: !query.full,
    },
    // Every next page of a sorted listing comes with a cursor (nextOffset), never a row count.
    { rowOffsetsFollow: false },
  );
  const early = readConditionalReply(req.conditional, result.collectionModified);
  if (early) return early;

  const elements: JsonValue[] = query.full ? result.items.map(bsoJson) : result.items.map((b) => b.id);
  const headers: Record<string, string> = { 'X-Weave-Records': String(elements.length) };
  if (result.more) headers['X-Weave-Next-Offset'] = nextOffset(query, sort, result.items);
  return { ...renderList(elements, format), lastModified: result.collectionModified, headers };
}

/** Where the next page starts: after this page's last row, or a row count in insertion order. */
function nextOffset(
  query: CollectionQuery,
  sort: SortOrder | undefined,
  items: readonly StoredBso[],
): string {
  const last = items.at(-1);
  if (sort === undefined) return formatOffsetToken({ rows: query.offset + items.length });
  // An empty page (limit=0) hands on the position it was asked for.
  if (!last) return formatOffsetToken(query.after ?? { rows: query.offset });
  return formatOffsetToken({ sort, cursor: cursorOf(last, sort) });
}

function renderList(elements: JsonValue[], format: BodyFormat): StorageReply {
  if (format === 'json') return jsonReply(elements);
  // JSON never contains a raw newline, but the format promises one record per line, so
  // make that a property of this code rather than of the serializer.
  const body = elements.map((e) => stringifyJson(e).replace(/\n/g, '\\u000a') + '\n').join('');
  return { status: 200, body, contentType: 'application/newlines' };
}

/** POST /storage/{collection}: a plain upload (§2.9) or one step of a batch (§2.10). */
export async function postCollection(req: StorageRequest): Promise<StorageReply> {
  const { context, userId } = req;
  const collection = collectionOf(req);
  const limits = context.config.sync15;
  const mode = parseBatchMode(req.params);
  checkDeclaredSizes(req.headers, limits, mode.kind !== 'none');
  const elements = parseListBody(req.body, bodyFormat(req.headers, true));
  const { writes, failed } = selectPostItems(elements, collection, limits);
  const outcome = { success: writes.map((w) => w.id), failed: Object.fromEntries(failed) };
  const engine = context.engine;
  const precondition = writePrecondition(req.conditional, 'collection');

  if (mode.kind === 'new' && !mode.commit) {
    const { batch, collectionModified } = await engine.createBatch(userId, collection, writes, precondition);
    return jsonReply({ batch, ...outcome }, collectionModified, 202);
  }
  if (mode.kind === 'existing' && !mode.commit) {
    const { collectionModified } = await engine.appendBatch(
      userId,
      collection,
      mode.id,
      writes,
      precondition,
    );
    return jsonReply({ batch: mode.id, ...outcome }, collectionModified, 202);
  }
  // A plain upload, or a commit (of a batch opened by this very request, or of an existing one).
  const options = writeOptions(req, 'collection');
  const result =
    mode.kind === 'existing'
      ? await engine.commitBatch(userId, collection, mode.id, writes, SYNC15_POLICY, options)
      : await engine.putItems(userId, collection, writes, SYNC15_POLICY, options);
  return jsonReply({ modified: ts(result.modified), ...outcome }, result.modified);
}

/**
 * DELETE /storage/{collection}: with `ids`, those records (the collection stays); without,
 * the whole collection, which leaves info/collections (spec 1.5 §2.7). The body is the bare
 * timestamp, as RS sends.
 */
export async function deleteCollection(req: StorageRequest): Promise<StorageReply> {
  const { context, userId } = req;
  const collection = collectionOf(req);
  const precondition = writePrecondition(req.conditional, 'collection');
  const idsText = req.params.get('ids');
  if (idsText !== null) {
    // Unlike RS, an empty `ids=` deletes nothing rather than the whole collection.
    const ids = parseIds(idsText);
    const result = await context.engine.deleteItems(userId, collection, { ids }, SYNC15_POLICY, precondition);
    return jsonReply(ts(result.modified), result.modified);
  }
  const result = await context.engine.deleteCollection(userId, collection, precondition);
  return jsonReply(ts(result.modified), result.modified);
}
