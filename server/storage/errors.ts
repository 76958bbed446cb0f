import type { Millis } from './timestamps.js';

/** The resource changed after the client's X-If-Unmodified-Since; nothing was written. */
export class PreconditionFailed extends Error {
  constructor(readonly lastModified: Millis) {
    super('precondition failed: resource modified since the given time');
  }
}

/** The user's stored payloads already fill the quota; nothing was written. */
export class OverQuota extends Error {
  constructor() {
    super('over quota');
  }
}

/** A batch id that is unknown, expired, committed, or another user's or collection's. */
export class BatchNotFound extends Error {
  constructor() {
    super('batch not found');
  }
}
