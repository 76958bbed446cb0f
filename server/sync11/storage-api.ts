import { quotaBytesOf } from '../config.js';
import { infoCollectionsBody, ts, type JsonValue } from '../http/json.js';
import type { RequestLogLocals } from '../http/request-log.js';
import { searchParams } from '../http/url-parts.js';
import type { Precondition, WriteOptions, WriteResult } from '../storage/engine.js';
import type { BsoQuery, BsoWrite, WritePolicy } from '../storage/types.js';
import { parseJson, readBody, utf8 } from './body.js';
import { storageBodyLimit, type AuthedCall, type Endpoint } from './call.js';
import type { RouteHandlers } from './routes.js';
import {
  badRequest,
  notFound,
  preconditionFailed,
  storageBodyRefused,
  weaveError,
  type Sync11Error,
} from './errors.js';
import { negotiateListFormat, serializeList } from './formats.js';
import { parseCollectionQuery, parseSignedTimestamp } from './query.js';
import { send, sendJson, setServerTime } from './respond.js';
import { asWboObject, checkWbo, MAX_ID_LENGTH, scalarToString, wboJson } from './wbo.js';

/** Sync 1.1 bumps a record only for a payload and never touches a collection for nothing (§6.5, §6.11). */
const POLICY: WritePolicy = { bumpOnSortindex: false, touchWhenEmpty: false };
/** Collection names longer than the original VARCHAR(32) are refused like FSyncMS does (spec 1.1 §6.3 [REC]). */
const MAX_COLLECTION_LENGTH = 32;
const KB = 1024;
/** X-Weave-Quota-Remaining is sent once less than this many KB are left (spec 1.1 §6.7). */
const QUOTA_WARNING_KB = 1024;

function quotaBytes(call: AuthedCall): number | undefined {
  return quotaBytesOf(call.context.config);
}

/** X-If-Unmodified-Since, if sent; a value that does not parse is a 400. */
function readPrecondition(call: AuthedCall): Precondition | undefined {
  const header = call.req.headers['x-if-unmodified-since'];
  if (header === undefined) return undefined;
  const since = typeof header === 'string' ? parseSignedTimestamp(header) : null;
  if (since === null) throw badRequest('Invalid X-If-Unmodified-Since value.');
  return { unmodifiedSince: since, scope: 'collection' };
}

function checkCollection(call: AuthedCall): void {
  (call.res.locals as RequestLogLocals).collection = call.params.collection;
  if (call.params.collection.length > MAX_COLLECTION_LENGTH)
    throw weaveError(13, 'collection name longer than 32 characters');
}

/**
 * The error that refuses a malformed body: 400 with `code`, unless a check the original made
 * earlier refuses first: the quota (PUT item only), then X-If-Unmodified-Since (spec 1.1 §6.5
 * PUT/POST order).
 */
async function refusal(
  call: AuthedCall,
  precondition: Precondition | undefined,
  quota: boolean,
  code: number,
  message: string,
): Promise<Sync11Error> {
  const { engine } = call.context;
  const limit = quotaBytes(call);
  if (quota && limit !== undefined && (await engine.totalBytes(call.userId)) >= limit)
    return weaveError(14, 'over quota');
  if (precondition) {
    const last = await engine.collectionModified(call.userId, call.params.collection);
    if (last > precondition.unmodifiedSince) return preconditionFailed();
  }
  return weaveError(code, message);
}

/** The body as JSON (undefined when it is not JSON); 413 for an oversized body, 400 on abort. */
async function readJsonBody(call: AuthedCall): Promise<unknown> {
  const body = await readBody(call.req, storageBodyLimit(call));
  if (!body.ok) throw storageBodyRefused(body.reason);
  return parseJson(utf8(body.body));
}

function setQuotaHeader(call: AuthedCall, result: WriteResult): void {
  const limit = quotaBytes(call);
  if (limit === undefined || result.bytesBefore === undefined) return;
  const remainingKb = (limit - result.bytesBefore) / KB;
  if (remainingKb <= QUOTA_WARNING_KB) call.res.setHeader('X-Weave-Quota-Remaining', String(remainingKb));
}

/** The engine throws over quota and a failed precondition; errors.ts answers them 400 14 / 412. */
async function write(
  call: AuthedCall,
  items: BsoWrite[],
  precondition: Precondition | undefined,
): Promise<WriteResult> {
  const options: WriteOptions = {};
  if (precondition) options.precondition = precondition;
  const limit = quotaBytes(call);
  if (limit !== undefined) options.quotaBytes = limit;
  const result = await call.context.engine.putItems(
    call.userId,
    call.params.collection,
    items,
    POLICY,
    options,
  );
  setServerTime(call.res, result.modified);
  setQuotaHeader(call, result);
  return result;
}

/**
 * PUT item, and POST of a single object: the body for a payload write is the new timestamp,
 * for a metadata-only update the record's unchanged one (spec 1.1 §6.5).
 */
async function putOne(
  call: AuthedCall,
  id: string,
  value: unknown,
  precondition: Precondition | undefined,
): Promise<void> {
  const wbo = asWboObject(value);
  if (!wbo) throw await refusal(call, precondition, true, 8, 'not a valid WBO');
  const check = checkWbo(wbo);
  if (!check.ok || id.length > MAX_ID_LENGTH) {
    const why = check.ok ? 'invalid id' : check.message;
    throw await refusal(call, precondition, true, 8, why);
  }
  const result = await write(call, [{ ...check.write, id }], precondition);
  sendJson(call.res, ts(result.itemModified[0] as number));
}

/**
 * What PUT item and POST collection read first: the collection name, X-If-Unmodified-Since and
 * the body as JSON; `quota` as for `refusal`.
 */
async function readWrite(
  call: AuthedCall,
  quota: boolean,
): Promise<{ value: unknown; precondition: Precondition | undefined }> {
  checkCollection(call);
  const precondition = readPrecondition(call);
  const value = await readJsonBody(call);
  if (value === undefined) throw await refusal(call, precondition, quota, 6, 'body is not JSON');
  return { value, precondition };
}

const putItem: Endpoint = {
  auth: true,
  async run(call) {
    const { value, precondition } = await readWrite(call, true);
    await putOne(call, call.params.item, value, precondition);
  },
};

/** POST (or PUT) on a collection: a list is a batch, a single object a PUT (spec 1.1 §6.5). */
const postCollection: Endpoint = {
  auth: true,
  async run(call) {
    const { value, precondition } = await readWrite(call, false);
    if (Array.isArray(value)) return postBatch(call, value as unknown[], precondition);
    const single = asWboObject(value);
    const id = single?.id === undefined ? undefined : scalarToString(single.id);
    if (id === undefined || id.includes('/'))
      throw await refusal(call, precondition, false, 8, 'not a list and no usable id');
    await putOne(call, id, value, precondition);
  },
};

async function postBatch(
  call: AuthedCall,
  list: unknown[],
  precondition: Precondition | undefined,
): Promise<void> {
  const { batchMaxCount, batchMaxBytes } = call.context.config.sync11;
  const kept: BsoWrite[] = [];
  const failed: Record<string, string[]> = {};
  let totalChars = 0;
  for (let index = 0; index < list.length; index++) {
    const wbo = asWboObject(list[index]);
    if (!wbo) {
      failed[''] = ['invalid wbo'];
      continue;
    }
    if (wbo.id === undefined) {
      failed[''] = ['invalid id'];
      continue;
    }
    const check = checkWbo(wbo);
    const id = check.id ?? scalarToString(wbo.id);
    if (!check.ok) {
      failed[id] = [check.message];
      continue;
    }
    if (index >= batchMaxCount) {
      failed[id] = ['retry wbo'];
      continue;
    }
    // Characters, as Python's len() counted them; the sum keeps growing past the limit.
    if (check.write.payload !== undefined && check.write.payload !== null)
      totalChars += check.write.payload.length;
    if (totalChars >= batchMaxBytes) {
      failed[id] = ['retry bytes'];
      continue;
    }
    kept.push({ ...check.write, id });
  }
  const result = await write(call, kept, precondition);
  sendJson(call.res, { modified: ts(result.modified), success: kept.map((w) => w.id), failed });
}

const getCollection: Endpoint = {
  auth: true,
  async run(call) {
    checkCollection(call);
    const parsed = parseCollectionQuery(searchParams(call.req.url));
    if (!parsed.ok) throw badRequest(parsed.message);
    const result = await call.context.engine.query(call.userId, call.params.collection, {
      ...parsed.query,
      idsOnly: !parsed.full,
    });
    const items: JsonValue[] = parsed.full ? result.items.map(wboJson) : result.items.map((b) => b.id);
    const format = negotiateListFormat(call.req.headers.accept);
    call.res.setHeader('X-Weave-Records', String(items.length));
    send(call.res, 200, format, serializeList(items, format));
  },
};

/** Both DELETEs answer with the new timestamp, in the body and in X-Weave-Timestamp. */
async function deleteAndAnswer(
  call: AuthedCall,
  query: BsoQuery,
  precondition: Precondition | undefined,
): Promise<void> {
  const result = await call.context.engine.deleteItems(
    call.userId,
    call.params.collection,
    query,
    POLICY,
    precondition,
  );
  setServerTime(call.res, result.modified);
  sendJson(call.res, ts(result.modified));
}

const deleteCollection: Endpoint = {
  auth: true,
  async run(call) {
    checkCollection(call);
    // Parameters are parsed before the precondition is checked (spec 1.1 §6.5 DELETE).
    const parsed = parseCollectionQuery(searchParams(call.req.url));
    if (!parsed.ok) throw badRequest(parsed.message);
    const precondition = readPrecondition(call);
    await deleteAndAnswer(call, { ...parsed.query, offset: undefined }, precondition);
  },
};

const getItem: Endpoint = {
  auth: true,
  async run(call) {
    checkCollection(call);
    const bso = await call.context.engine.getItem(call.userId, call.params.collection, call.params.item);
    if (!bso) throw notFound();
    sendJson(call.res, wboJson(bso));
  },
};

/** A missing item is still a 200 with a timestamp (spec 1.1 §6.5). */
const deleteItem: Endpoint = {
  auth: true,
  async run(call) {
    checkCollection(call);
    await deleteAndAnswer(call, { ids: [call.params.item] }, readPrecondition(call));
  },
};

/** Wiping everything needs X-Confirm-Delete; without it 400 + 4 (spec 1.1 §6.5 [REC]). */
const deleteStorage: Endpoint = {
  auth: true,
  async run(call) {
    if (call.req.headers['x-confirm-delete'] === undefined)
      throw weaveError(4, 'DELETE storage without X-Confirm-Delete');
    const modified = await call.context.engine.deleteStorage(call.userId);
    setServerTime(call.res, modified);
    sendJson(call.res, ts(modified));
  },
};

function figures(list: { name: string; value: number }[], scale = 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { name, value } of list) out[name] = value / scale;
  return out;
}

/** Always JSON, whatever Accept says (spec 1.1 §6.5 [REC]). */
const infoCollections: Endpoint = {
  auth: true,
  async run(call) {
    const stamps = await call.context.engine.collectionStamps(call.userId);
    call.res.setHeader('X-Weave-Records', String(stamps.length));
    send(call.res, 200, 'application/json', infoCollectionsBody(stamps));
  },
};

const infoCollectionCounts: Endpoint = {
  auth: true,
  async run(call) {
    const counts = await call.context.engine.collectionCounts(call.userId);
    call.res.setHeader('X-Weave-Records', String(counts.length));
    sendJson(call.res, figures(counts));
  },
};

const infoCollectionUsage: Endpoint = {
  auth: true,
  async run(call) {
    sendJson(call.res, figures(await call.context.engine.collectionBytes(call.userId), KB));
  },
};

const infoQuota: Endpoint = {
  auth: true,
  async run(call) {
    const used = await call.context.engine.totalBytes(call.userId);
    sendJson(call.res, [used / KB, call.context.config.quotaKb]);
  },
};

export const storageEndpoints = {
  'info.collections': { GET: infoCollections },
  'info.collectionCounts': { GET: infoCollectionCounts },
  'info.collectionUsage': { GET: infoCollectionUsage },
  'info.quota': { GET: infoQuota },
  storage: { DELETE: deleteStorage },
  collection: { GET: getCollection, POST: postCollection, PUT: postCollection, DELETE: deleteCollection },
  item: { GET: getItem, PUT: putItem, DELETE: deleteItem },
} satisfies Partial<RouteHandlers<Endpoint>>;
