import type { WritePolicy } from '../../storage/types.js';

/** Sync 1.5 write rules: a sortindex change bumps the record, an empty POST bumps the collection. */
export const SYNC15_POLICY: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: true };

/**
 * For DELETE of one item: a miss must not touch the collection, because the answer is 404
 * and a 404 changes nothing.
 */
export const SYNC15_ITEM_DELETE_POLICY: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: false };
