import { formatTimestamp, type Millis } from '../storage/timestamps.js';
import type { CollectionStamp } from '../storage/types.js';

/**
 * A value that must appear in JSON as a number with exactly two decimals. JSON.stringify
 * would print 1278109839.9 for 1278109839.90, which Sync clients and tests reject.
 */
export class Timestamp {
  constructor(readonly ms: Millis) {}
  toString(): string {
    return formatTimestamp(this.ms);
  }
}

export const ts = (ms: Millis): Timestamp => new Timestamp(ms);

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | Timestamp
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

const NON_ASCII = /[\u007f-\uffff]/g;
/** The same class, unflagged: a test of it has no lastIndex to carry between calls. */
const HAS_NON_ASCII = /[\u007f-\uffff]/;

function escapeNonAscii(json: string): string {
  // Nearly every body is ASCII already: a test is cheaper than a replace that finds nothing.
  if (!HAS_NON_ASCII.test(json)) return json;
  return json.replace(NON_ASCII, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Serializes like JSON.stringify, but prints Timestamps with two decimals and (optionally)
 * escapes every non-ASCII character as \uXXXX, as Python's json module did for Sync 1.1.
 */
export function stringifyJson(value: JsonValue, asciiOnly = false): string {
  const out = write(value);
  return asciiOnly ? escapeNonAscii(out) : out;
}

function write(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Timestamp) return value.toString();
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) s += (i ? ',' : '') + write(value[i] as JsonValue);
    return s + ']';
  }
  let s = '{';
  let first = true;
  const object = value as Record<string, JsonValue | undefined>;
  // The own enumerable string keys in Object.entries's order, without an array per entry.
  for (const k in object) {
    if (!Object.hasOwn(object, k)) continue;
    const v = object[k];
    if (v === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + write(v);
    first = false;
  }
  return s + '}';
}

/**
 * The info/collections body of both protocols, by the engine's list of stamps, which is one
 * frozen object for as long as the user's data stands (engine.ts stampCache): the document
 * Firefox asks for before every sync is serialized once per change, not once per request.
 * Non-ASCII escaped as \uXXXX, as Sync 1.1 writes every body (collection names are ASCII in
 * both protocols, so the bytes are the same for Sync 1.5).
 */
const infoCollectionsBodies = new WeakMap<readonly CollectionStamp[], string>();

export function infoCollectionsBody(stamps: readonly CollectionStamp[]): string {
  let body = infoCollectionsBodies.get(stamps);
  if (body === undefined) {
    const out: Record<string, JsonValue> = {};
    for (const { name, modified } of stamps) out[name] = ts(modified);
    body = stringifyJson(out, true);
    infoCollectionsBodies.set(stamps, body);
  }
  return body;
}
