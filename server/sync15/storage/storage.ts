import type { StorageReply, StorageRequest } from './reply.js';
import { jsonReply, readConditionalReply } from './reply.js';

/**
 * DELETE /1.5/{uid} and /1.5/{uid}/storage: every record and collection of the user
 * (spec 1.5 §2.7). The body is JSON null, as RS sends. X-If-Unmodified-Since is checked
 * just before the delete rather than inside it: the engine's deleteStorage takes no
 * precondition, and losing that race only wipes a write the client asked to wipe anyway.
 */
export async function deleteStorage(req: StorageRequest): Promise<StorageReply> {
  const engine = req.context.engine;
  if (req.conditional.kind === 'unmodifiedSince') {
    const refused = readConditionalReply(
      req.conditional,
      await engine.storageModified(req.userId, req.version),
    );
    if (refused) return refused;
  }
  const modified = await engine.deleteStorage(req.userId);
  return jsonReply(null, modified);
}
