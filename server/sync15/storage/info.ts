import { quotaBytesOf } from '../../config.js';
import { infoCollectionsBody, type JsonValue } from '../../http/json.js';
import type { CollectionFigure } from '../../storage/types.js';
import { jsonReply, readConditionalReply, type StorageReply, type StorageRequest } from './reply.js';

/**
 * The info/* documents (spec 1.5 §2.7). Their X-Last-Modified is the storage timestamp,
 * read before the document so a write racing in can only make the client fetch again.
 */
export async function getInfo(req: StorageRequest): Promise<StorageReply> {
  const { context, route, userId } = req;
  if (route.kind === 'info/configuration') return jsonReply(configurationDocument(req), 0);

  const engine = context.engine;
  const storageModified = await engine.storageModified(userId, req.version);
  const early = readConditionalReply(req.conditional, storageModified);
  if (early) return early;

  switch (route.kind) {
    case 'info/collections': {
      const stamps = await engine.collectionStamps(userId, req.version);
      const reply: StorageReply = {
        status: 200,
        body: infoCollectionsBody(stamps),
        contentType: 'application/json',
        lastModified: storageModified,
        headers: { 'X-Weave-Records': String(stamps.length) },
      };
      return reply;
    }
    case 'info/collection_counts': {
      const counts = await engine.collectionCounts(userId);
      return withRecords(
        jsonReply(
          figures(counts, (n) => n),
          storageModified,
        ),
        counts.length,
      );
    }
    case 'info/collection_usage': {
      const bytes = await engine.collectionBytes(userId);
      return withRecords(
        jsonReply(
          figures(bytes, (n) => n / 1024),
          storageModified,
        ),
        bytes.length,
      );
    }
    default: {
      const used = await engine.totalBytes(userId);
      const quotaKb = context.config.quotaKb;
      return jsonReply([used / 1024, quotaKb], storageModified);
    }
  }
}

function figures(list: CollectionFigure[], map: (n: number) => number): JsonValue {
  return Object.fromEntries(list.map((f) => [f.name, map(f.value)]));
}

function withRecords(reply: StorageReply, count: number): StorageReply {
  return { ...reply, headers: { ...reply.headers, 'X-Weave-Records': String(count) } };
}

/** Every limit this server enforces, so Firefox sizes its uploads to fit (spec 1.5 §2.7). */
function configurationDocument(req: StorageRequest): JsonValue {
  const limits = req.context.config.sync15;
  return {
    max_post_records: limits.maxPostRecords,
    max_post_bytes: limits.maxPostBytes,
    max_record_payload_bytes: limits.maxRecordPayloadBytes,
    max_request_bytes: limits.maxRequestBytes,
    max_total_records: limits.maxTotalRecords,
    max_total_bytes: limits.maxTotalBytes,
    max_quota_limit: quotaBytesOf(req.context.config),
  };
}
