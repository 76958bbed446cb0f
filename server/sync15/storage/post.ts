import type { StagedItem } from '../../db/types.js';
import { checkBso, isKnownBadPayload } from './bso.js';
import { invalidBso } from './errors.js';

export interface PostItemLimits {
  maxPostRecords: number;
  maxPostBytes: number;
  maxRecordPayloadBytes: number;
}

export interface PostSelection {
  /** Items to write or stage, in request order. */
  writes: StagedItem[];
  /** id → reason for every item left out. */
  failed: Map<string, string>;
}

/**
 * Decides which items of a POST are written, following spec 1.5 §2.9: whole-request
 * failures first (missing or duplicate ids, known-bad crypto payload → 400/8), then
 * per-item validation, then the size accounting over the valid items in order.
 */
export function selectPostItems(
  elements: readonly Record<string, unknown>[],
  collection: string,
  limits: PostItemLimits,
): PostSelection {
  const seen = new Set<string>();
  for (const element of elements) {
    const id = element.id;
    if (typeof id !== 'string') throw invalidBso('item without a string id');
    if (seen.has(id)) throw invalidBso('duplicate id in one request');
    seen.add(id);
  }

  const failed = new Map<string, string>();
  const valid: { write: StagedItem; payloadBytes: number }[] = [];
  for (const element of elements) {
    const id = element.id as string;
    const check = checkBso(element, id);
    if (!check.ok) failed.set(id, check.reason);
    else valid.push(check);
  }
  if (valid.some(({ write }) => isKnownBadPayload(collection, write))) {
    throw invalidBso('known-bad crypto payload');
  }

  const writes: StagedItem[] = [];
  let totalBytes = 0;
  for (const [index, { write, payloadBytes }] of valid.entries()) {
    if (index >= limits.maxPostRecords) {
      failed.set(write.id, 'retry bso');
      continue;
    }
    // The running total includes a refused item, so everything after it is refused too
    // and the client retries them in a later request (spec 1.5 §2.9 step 4).
    totalBytes += payloadBytes;
    if (payloadBytes > limits.maxRecordPayloadBytes || totalBytes > limits.maxPostBytes) {
      failed.set(write.id, 'retry bytes');
      continue;
    }
    writes.push(write);
  }
  return { writes, failed };
}
