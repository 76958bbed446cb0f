import { ts, type JsonValue } from '../http/json.js';
import type { RequestLogLocals } from '../http/request-log.js';
import type { Precondition, WriteOptions, WriteResult } from '../storage/engine.js';
import type { BsoQuery, BsoWrite, WritePolicy } from '../storage/types.js';
import { parseJson, readBody, utf8 } from './body.js';
import { storageBodyLimit, type AuthedCall, type Endpoint } from './call.js';
import { negotiateListFormat, serializeList } from './formats.js';
import { parseCollectionQuery, parseSignedTimestamp } from './query.js';
import { send, sendCode, sendJson, sendPreconditionFailed, sendText, setServerTime } from './respond.js';
import { asWboObject, checkWbo, MAX_ID_LENGTH, scalarToString, wboJson } from './wbo.js';

/** Sync 1.1 bumps a record only for a payload and never touches a collection for nothing (§6.5, §6.11). */
const POLICY: WritePolicy = { bumpOnSortindex: false, touchWhenEmpty: false };
/** Collection names longer than the original VARCHAR(32) are refused like FSyncMS does (spec 1.1 §6.3 [REC]). */
const MAX_COLLECTION_LENGTH = 32;
const KB = 1024;
/** X-Weave-Quota-Remaining is sent once less than this many KB are left (spec 1.1 §6.7). */
const QUOTA_WARNING_KB = 1024;

function quotaBytes(call: AuthedCall): number | undefined {
  const kb = call.context.config.quotaKb;
  return kb === null ? undefined : kb * KB;
}

function sendBadRequest(call: AuthedCall, message: string): void {
  (call.res.locals as RequestLogLocals).logDetail = message;
  sendText(call.res, 400, message);
}

/** Returns false (after answering 400) when X-If-Unmodified-Since is present but unparseable. */
function readPrecondition(call: AuthedCall): { ok: boolean; precondition?: Precondition } {
  const header = call.req.headers['x-if-unmodified-since'];
  if (header === undefined) return { ok: true };
  const since = typeof header === 'string' ? parseSignedTimestamp(header) : null;
  if (since === null) {
    sendBadRequest(call, 'Invalid X-If-Unmodified-Since value.');
    return { ok: false };
  }
  return { ok: true, precondition: { unmodifiedSince: since, scope: 'collection' } };
}

function collectionOk(call: AuthedCall): boolean {
  (call.res.locals as RequestLogLocals).collection = call.params.collection;
  if (call.params.collection.length <= MAX_COLLECTION_LENGTH) return true;
  sendCode(call.res, 13, 'collection name longer than 32 characters');
  return false;
}

/**
 * Before refusing a malformed body, the checks the original made earlier still win: the
 * quota (PUT item only) and then X-If-Unmodified-Since (spec 1.1 §6.5 PUT/POST order).
 */
async function earlierRefusal(
  call: AuthedCall,
  precondition: Precondition | undefined,
  quota: boolean,
): Promise<boolean> {
  const { engine } = call.context;
  const limit = quotaBytes(call);
  if (quota && limit !== undefined && (await engine.totalBytes(call.userId)) >= limit) {
    sendCode(call.res, 14, 'over quota');
    return true;
  }
  if (precondition) {
    const last = await engine.collectionModified(call.userId, call.params.collection);
    if (last > precondition.unmodifiedSince) {
      sendPreconditionFailed(call.res);
      return true;
    }
  }
  return false;
}

/** Answers 400 with `code` unless one of the earlier checks refuses first. */
async function refuse(
  call: AuthedCall,
  precondition: Precondition | undefined,
  quota: boolean,
  code: number,
  message: string,
): Promise<void> {
  if (!(await earlierRefusal(call, precondition, quota))) sendCode(call.res, code, message);
}

/** The body as JSON; undefined after answering (413 for an oversized body, 400 on abort). */
async function readJsonBody(call: AuthedCall): Promise<{ value: unknown } | undefined> {
  const body = await readBody(call.req, storageBodyLimit(call));
  if (!body.ok) {
    if (body.reason === 'too-large') {
      (call.res.locals as RequestLogLocals).logDetail = 'request body too large';
      sendText(call.res, 413, 'Request body too large.');
    } else {
      sendBadRequest(call, 'The request body was cut off.');
    }
    return undefined;
  }
  return { value: parseJson(utf8(body.body)) };
}

function setQuotaHeader(call: AuthedCall, result: WriteResult): void {
  const limit = quotaBytes(call);
  if (limit === undefined || result.bytesBefore === undefined) return;
  const remainingKb = (limit - result.bytesBefore) / KB;
  if (remainingKb <= QUOTA_WARNING_KB) call.res.setHeader('X-Weave-Quota-Remaining', String(remainingKb));
}

/** Over quota and a failed precondition are thrown on to sendError, which answers 400 14 / 412. */
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
  if (!wbo) {
    await refuse(call, precondition, true, 8, 'not a valid WBO');
    return;
  }
  const check = checkWbo(wbo);
  if (!check.ok || id.length > MAX_ID_LENGTH) {
    const why = check.ok ? 'invalid id' : check.message;
    await refuse(call, precondition, true, 8, why);
    return;
  }
  const result = await write(call, [{ ...check.write, id }], precondition);
  sendJson(call.res, ts(result.itemModified[0] as number));
}

/**
 * What PUT item and POST collection read first: the collection name, X-If-Unmodified-Since and
 * the body as JSON. Undefined once it has answered; `quota` as for `earlierRefusal`.
 */
async function readWrite(
  call: AuthedCall,
  quota: boolean,
): Promise<{ value: unknown; precondition: Precondition | undefined } | undefined> {
  if (!collectionOk(call)) return undefined;
  const { ok, precondition } = readPrecondition(call);
  if (!ok) return undefined;
  const body = await readJsonBody(call);
  if (!body) return undefined;
  if (body.value === undefined) {
    await refuse(call, precondition, quota, 6, 'body is not JSON');
    return undefined;
  }
  return { value: body.value, precondition };
}

const putItem: Endpoint = {
  auth: true,
  async run(call) {
    const body = await readWrite(call, true);
    if (body) await putOne(call, call.params.item, body.value, body.precondition);
  },
};

/** POST (or PUT) on a collection: a list is a batch, a single object a PUT (spec 1.1 §6.5). */
const postCollection: Endpoint = {
  auth: true,
  async run(call) {
    const body = await readWrite(call, false);
    if (!body) return;
    const { value, precondition } = body;
    if (Array.isArray(value)) return postBatch(call, value as unknown[], precondition);
    const single = asWboObject(value);
    const id = single?.id === undefined ? undefined : scalarToString(single.id);
    if (id === undefined || id.includes('/')) {
      return refuse(call, precondition, false, 8, 'not a list and no usable id');
    }
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
    if (!collectionOk(call)) return;
    const parsed = parseCollectionQuery(call.query);
    if (!parsed.ok) return sendBadRequest(call, parsed.message);
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
    if (!collectionOk(call)) return;
    // Parameters are parsed before the precondition is checked (spec 1.1 §6.5 DELETE).
    const parsed = parseCollectionQuery(call.query);
    if (!parsed.ok) return sendBadRequest(call, parsed.message);
    const { ok, precondition } = readPrecondition(call);
    if (!ok) return;
    await deleteAndAnswer(call, { ...parsed.query, offset: undefined }, precondition);
  },
};

const getItem: Endpoint = {
  auth: true,
  async run(call) {
    if (!collectionOk(call)) return;
    const bso = await call.context.engine.getItem(call.userId, call.params.collection, call.params.item);
    if (!bso) return sendText(call.res, 404, 'Not Found');
    sendJson(call.res, wboJson(bso));
  },
};

/** A missing item is still a 200 with a timestamp (spec 1.1 §6.5). */
const deleteItem: Endpoint = {
  auth: true,
  async run(call) {
    if (!collectionOk(call)) return;
    const { ok, precondition } = readPrecondition(call);
    if (!ok) return;
    await deleteAndAnswer(call, { ids: [call.params.item] }, precondition);
  },
};

/** Wiping everything needs X-Confirm-Delete; without it 400 + 4 (spec 1.1 §6.5 [REC]). */
const deleteStorage: Endpoint = {
  auth: true,
  async run(call) {
    if (call.req.headers['x-confirm-delete'] === undefined)
      return sendCode(call.res, 4, 'DELETE storage without X-Confirm-Delete');
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
    const out: Record<string, JsonValue> = {};
    for (const { name, modified } of stamps) out[name] = ts(modified);
    call.res.setHeader('X-Weave-Records', String(stamps.length));
    sendJson(call.res, out);
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
} as const;
