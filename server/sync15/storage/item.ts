import { ts } from '../../http/json.js';
import { bsoJson, checkBso, isKnownBadPayload } from './bso.js';
import { parseObjectBody } from './body.js';
import { invalidBso, StorageHttpError } from './errors.js';
import { bodyFormat } from './headers.js';
import { SYNC15_ITEM_DELETE_POLICY, SYNC15_POLICY } from './policy.js';
import {
  jsonReply,
  readConditionalReply,
  writeOptions,
  writePrecondition,
  type StorageReply,
  type StorageRequest,
} from './reply.js';

const notFound = () => new StorageHttpError(404, 0, 'no such record');

function address(req: StorageRequest): { collection: string; id: string } {
  return { collection: req.route.collection as string, id: req.route.id as string };
}

/** GET /storage/{collection}/{id}: the record, or 404 when absent or expired. */
export async function getItem(req: StorageRequest): Promise<StorageReply> {
  const { collection, id } = address(req);
  const bso = await req.context.engine.getItem(req.userId, collection, id);
  if (!bso) throw notFound();
  return readConditionalReply(req.conditional, bso.modified) ?? jsonReply(bsoJson(bso), bso.modified);
}

/** PUT /storage/{collection}/{id}: one partial write; any invalid body is 400/8 (§2.7). */
export async function putItem(req: StorageRequest): Promise<StorageReply> {
  const { context, userId } = req;
  const { collection, id } = address(req);
  bodyFormat(req.headers, false);
  const check = checkBso(parseObjectBody(req.body), id);
  if (!check.ok) throw invalidBso(check.reason);
  if (check.payloadBytes > context.config.sync15.maxRecordPayloadBytes) throw invalidBso('payload too large');
  if (isKnownBadPayload(collection, check.write)) throw invalidBso('known-bad crypto payload');
  const result = await context.engine.putItems(
    userId,
    collection,
    [check.write],
    SYNC15_POLICY,
    writeOptions(req, 'item'),
  );
  return jsonReply(ts(result.modified), result.modified);
}

/** DELETE /storage/{collection}/{id}: `{"modified": T}`, or 404 when there is no such record. */
export async function deleteItem(req: StorageRequest): Promise<StorageReply> {
  const { context, userId } = req;
  const { collection, id } = address(req);
  // An expired record is absent for the client; the engine would still delete its row.
  if (!(await context.engine.getItem(userId, collection, id))) throw notFound();
  const result = await context.engine.deleteItems(
    userId,
    collection,
    { ids: [id] },
    SYNC15_ITEM_DELETE_POLICY,
    writePrecondition(req.conditional, 'item'),
  );
  if (result.removed === 0) throw notFound();
  return jsonReply({ modified: ts(result.modified) }, result.modified);
}
