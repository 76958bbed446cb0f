/**
 * Maps a request path under /1.5/ to one of the storage routes of spec 1.5 §2.1, with the
 * path parameters decoded and validated. Anything that does not fit is "not found" (404,
 * body 0), never an error of the handler.
 */

export type StorageRouteKind =
  | 'info/collections'
  | 'info/collection_counts'
  | 'info/collection_usage'
  | 'info/configuration'
  | 'info/quota'
  | 'storage'
  | 'collection'
  | 'item';

export interface StorageRoute {
  kind: StorageRouteKind;
  uid: number;
  collection?: string;
  id?: string;
}

const UID = /^[0-9]{1,10}$/;
const COLLECTION = /^[a-zA-Z0-9._-]{1,32}$/;
/** Printable ASCII, space included (spec 1.5 §2.3). */
export const BSO_ID = /^[ -~]{1,64}$/;

const INFO_KINDS = new Map<string, StorageRouteKind>([
  ['collections', 'info/collections'],
  ['collection_counts', 'info/collection_counts'],
  ['collection_usage', 'info/collection_usage'],
  ['configuration', 'info/configuration'],
  ['quota', 'info/quota'],
]);

/** Methods each route answers; any other method on a matched path is 405 (§2.1). */
export const ALLOWED_METHODS: Record<StorageRouteKind, readonly string[]> = {
  'info/collections': ['GET', 'HEAD'],
  'info/collection_counts': ['GET', 'HEAD'],
  'info/collection_usage': ['GET', 'HEAD'],
  'info/configuration': ['GET', 'HEAD'],
  'info/quota': ['GET', 'HEAD'],
  storage: ['DELETE'],
  collection: ['GET', 'HEAD', 'POST', 'DELETE'],
  item: ['GET', 'HEAD', 'PUT', 'DELETE'],
};

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** `path` is the raw (still percent-encoded) path, e.g. `/1.5/42/storage/bookmarks`. */
export function matchStorageRoute(path: string): StorageRoute | null {
  if (!path.startsWith('/1.5/')) return null;
  const raw = path.slice('/1.5/'.length).split('/');
  // "/1.5/42/" is the same resource as "/1.5/42"; no other trailing slash is.
  if (raw.length === 2 && raw[1] === '') raw.pop();
  const segments: string[] = [];
  for (const part of raw) {
    const decoded = decodeSegment(part);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  const [uidText, area, name, id, ...rest] = segments;
  if (uidText === undefined || !UID.test(uidText) || rest.length > 0) return null;
  const uid = Number(uidText);
  if (area === undefined) return { kind: 'storage', uid };
  if (area === 'info') {
    const kind = name === undefined || id !== undefined ? undefined : INFO_KINDS.get(name);
    return kind ? { kind, uid } : null;
  }
  if (area !== 'storage') return null;
  if (name === undefined) return { kind: 'storage', uid };
  if (!COLLECTION.test(name)) return null;
  if (id === undefined) return { kind: 'collection', uid, collection: name };
  if (!BSO_ID.test(id)) return null;
  return { kind: 'item', uid, collection: name, id };
}
