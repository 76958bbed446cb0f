/**
 * Maps a request path under /1.5/ to one of the storage routes of spec 1.5 §2.1, with the
 * path parameters decoded and validated. Anything that does not fit is "not found" (404,
 * body 0), never an error of the handler.
 */

import { decodePathSegment } from '../../http/url-parts.js';

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

/** A path segment after `/1.5/{uid}`: a literal, or a parameter that must fit its pattern. */
type Segment = string | { param: 'collection' | 'id'; pattern: RegExp };

const COLLECTION_PARAM: Segment = { param: 'collection', pattern: COLLECTION };
const ID_PARAM: Segment = { param: 'id', pattern: BSO_ID };

/** One storage route of spec 1.5 §2.1: the segments after `/1.5/{uid}` and the methods it answers. */
export interface StorageRouteSpec {
  kind: StorageRouteKind;
  segments: readonly Segment[];
  methods: readonly string[];
}

const INFO_METHODS = ['GET', 'HEAD'] as const;

/**
 * The Storage API 1.5's routes, the one table the path matcher reads; the first that fits
 * wins. Methods are in the order the 405's Allow header lists them.
 */
export const STORAGE_ROUTES: readonly StorageRouteSpec[] = [
  { kind: 'storage', segments: [], methods: ['DELETE'] },
  { kind: 'storage', segments: ['storage'], methods: ['DELETE'] },
  { kind: 'info/collections', segments: ['info', 'collections'], methods: INFO_METHODS },
  { kind: 'info/collection_counts', segments: ['info', 'collection_counts'], methods: INFO_METHODS },
  { kind: 'info/collection_usage', segments: ['info', 'collection_usage'], methods: INFO_METHODS },
  { kind: 'info/configuration', segments: ['info', 'configuration'], methods: INFO_METHODS },
  { kind: 'info/quota', segments: ['info', 'quota'], methods: INFO_METHODS },
  { kind: 'collection', segments: ['storage', COLLECTION_PARAM], methods: ['GET', 'HEAD', 'POST', 'DELETE'] },
  {
    kind: 'item',
    segments: ['storage', COLLECTION_PARAM, ID_PARAM],
    methods: ['GET', 'HEAD', 'PUT', 'DELETE'],
  },
];

/** Methods each route answers; any other method on a matched path is 405 (§2.1). */
export const ALLOWED_METHODS = Object.fromEntries(STORAGE_ROUTES.map((r) => [r.kind, r.methods])) as Record<
  StorageRouteKind,
  readonly string[]
>;

function fits(spec: StorageRouteSpec, segments: readonly string[]): boolean {
  if (spec.segments.length !== segments.length - 1) return false;
  for (let i = 0; i < spec.segments.length; i++) {
    const want = spec.segments[i]!;
    const got = segments[i + 1]!;
    if (typeof want === 'string' ? want !== got : !want.pattern.test(got)) return false;
  }
  return true;
}

/** `path` is the raw (still percent-encoded) path, e.g. `/1.5/42/storage/bookmarks`. */
export function matchStorageRoute(path: string): StorageRoute | null {
  if (!path.startsWith('/1.5/')) return null;
  const raw = path.slice('/1.5/'.length).split('/');
  // "/1.5/42/" is the same resource as "/1.5/42"; no other trailing slash is.
  if (raw.length === 2 && raw[1] === '') raw.pop();
  const segments: string[] = [];
  for (const part of raw) {
    const decoded = decodePathSegment(part);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  const uidText = segments[0];
  if (uidText === undefined || !UID.test(uidText)) return null;
  for (const spec of STORAGE_ROUTES) {
    if (!fits(spec, segments)) continue;
    const route: StorageRoute = { kind: spec.kind, uid: Number(uidText) };
    for (let i = 0; i < spec.segments.length; i++) {
      const segment = spec.segments[i]!;
      if (typeof segment !== 'string') route[segment.param] = segments[i + 1];
    }
    return route;
  }
  return null;
}
