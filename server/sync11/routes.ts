/**
 * The Sync 1.1 URL space (spec 1.1 §1.1) as data, matched against percent-decoded path
 * segments: the one place a Sync 1.1 path is matched. The dispatcher (index.ts) matches once
 * and hands the route name and params to authentication and to the endpoint; nothing parses
 * the path again. Matching is separate from handling so that unknown paths give 404, known
 * paths with the wrong method 405, both before authentication (spec 1.1 §1.2 item 4).
 */

import { decodePathSegment } from '../http/url-parts.js';

export interface RouteParams {
  user: string;
  collection: string;
  item: string;
}

type Segment = string | { param: keyof RouteParams | 'version'; pattern: RegExp };

const NAME = /^[a-zA-Z0-9._-]+$/;
const USER_VERSION = { param: 'version', pattern: /^(?:1\.0|1)$/ } as const;
const STORAGE_VERSION = { param: 'version', pattern: /^(?:1\.0|1|1\.1)$/ } as const;
const USER = { param: 'user', pattern: NAME } as const;
const COLLECTION = { param: 'collection', pattern: NAME } as const;
// Any decoded character but "/": ids such as "{6820f3ca-…}" must stay reachable (spec 1.1 §1.1 [REC]).
const ITEM = { param: 'item', pattern: /^[^/]+$/ } as const;

interface RouteDef {
  name: string;
  segments: readonly Segment[];
  methods: readonly string[];
  /** Methods that answer 404 rather than 405 (spec 1.1 §1.2 item 4 [REC]). */
  notFound?: readonly string[];
}

const ROUTES = [
  { name: 'user', segments: ['user', USER_VERSION, USER], methods: ['GET', 'PUT', 'DELETE'] },
  { name: 'user.node', segments: ['user', USER_VERSION, USER, 'node', 'weave'], methods: ['GET'] },
  {
    name: 'user.passwordReset',
    segments: ['user', USER_VERSION, USER, 'password_reset'],
    methods: ['GET', 'DELETE'],
  },
  { name: 'user.email', segments: ['user', USER_VERSION, USER, 'email'], methods: ['POST'] },
  { name: 'user.password', segments: ['user', USER_VERSION, USER, 'password'], methods: ['POST'] },
  { name: 'captcha', segments: ['misc', USER_VERSION, 'captcha_html'], methods: ['GET', 'POST'] },
  { name: 'info.collections', segments: [STORAGE_VERSION, USER, 'info', 'collections'], methods: ['GET'] },
  {
    name: 'info.collectionCounts',
    segments: [STORAGE_VERSION, USER, 'info', 'collection_counts'],
    methods: ['GET'],
  },
  {
    name: 'info.collectionUsage',
    segments: [STORAGE_VERSION, USER, 'info', 'collection_usage'],
    methods: ['GET'],
  },
  { name: 'info.quota', segments: [STORAGE_VERSION, USER, 'info', 'quota'], methods: ['GET'] },
  {
    name: 'storage',
    segments: [STORAGE_VERSION, USER, 'storage'],
    methods: ['DELETE'],
    notFound: ['PUT', 'POST'],
  },
  {
    name: 'collection',
    segments: [STORAGE_VERSION, USER, 'storage', COLLECTION],
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
  },
  {
    name: 'item',
    segments: [STORAGE_VERSION, USER, 'storage', COLLECTION, ITEM],
    methods: ['GET', 'PUT', 'DELETE'],
  },
] as const satisfies readonly RouteDef[];

type Route = (typeof ROUTES)[number];
export type RouteName = Route['name'];
/** The methods the table lists for a route (HEAD is answered as GET). */
export type RouteMethod<N extends RouteName> = Extract<Route, { name: N }>['methods'][number];
/**
 * One handler for each route and method of the table: a route added here without a handler
 * (or a handler for a method the table does not list) fails to compile.
 */
export type RouteHandlers<H> = { readonly [N in RouteName]: { readonly [M in RouteMethod<N>]: H } };

export type RouteMatch =
  | { kind: 'route'; name: RouteName; params: RouteParams }
  | { kind: 'method-not-allowed'; allow: readonly string[] }
  | { kind: 'not-found' }
  /** Not a Sync 1.1 path at all: another adapter (Sync 1.5 shares /1.0/) may own it. */
  | { kind: 'elsewhere' };

/**
 * Whether a path belongs to Sync 1.1. /user/, /misc/, /1/ and /1.1/ are ours alone; under
 * /1.0/ only /<user>/info… and /<user>/storage… are, so /1.0/sync/1.5 (the Sync 1.5
 * tokenserver) is never answered here.
 */
function ownsPath(parts: readonly string[]): boolean {
  // parts[0] is the empty text before the path's leading "/".
  const first = parts[1];
  if (first === 'user' || first === 'misc' || first === '1' || first === '1.1') return true;
  return first === '1.0' && (parts[3] === 'info' || parts[3] === 'storage');
}

/** Matches a raw (still percent-encoded) path; one trailing slash is ignored. */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  let path = rawPath;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  // Split once; the segments are parts[1..] (parts[0] is what precedes the leading "/").
  const parts: (string | null)[] = path.split('/');
  if (!ownsPath(parts as string[])) return { kind: 'elsewhere' };
  for (let i = 1; i < parts.length; i++) parts[i] = decodePathSegment(parts[i] as string);
  const count = parts.length - 1;
  const verb = method === 'HEAD' ? 'GET' : method;
  for (const route of ROUTES as readonly RouteDef[]) {
    if (route.segments.length !== count) continue;
    let ok = true;
    for (let i = 0; i < count && ok; i++) {
      const segment = route.segments[i] as Segment;
      const value = parts[i + 1];
      if (value === null || value === undefined) ok = false;
      else if (typeof segment === 'string') ok = segment === value;
      else ok = segment.pattern.test(value);
    }
    if (!ok) continue;
    // Filled only for the route that matched (the checks above ran the same tests).
    const params: RouteParams = { user: '', collection: '', item: '' };
    for (let i = 0; i < count; i++) {
      const segment = route.segments[i] as Segment;
      if (typeof segment !== 'string' && segment.param !== 'version')
        params[segment.param] = parts[i + 1] as string;
    }
    if (route.methods.includes(verb)) return { kind: 'route', name: route.name as RouteName, params };
    if (route.notFound?.includes(verb)) return { kind: 'not-found' };
    return { kind: 'method-not-allowed', allow: route.methods };
  }
  return { kind: 'not-found' };
}
