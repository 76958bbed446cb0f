import { stringifyJson, type JsonValue } from '../http/json.js';

export type ListFormat = 'application/json' | 'application/newlines' | 'application/whoisi';

/** In server-core's offer order, which breaks ties (spec 1.1 §6.6). */
const OFFERS: readonly ListFormat[] = ['application/json', 'application/newlines', 'application/whoisi'];

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(',')) {
    const [media, ...params] = part.split(';');
    const [type, subtype] = (media ?? '').trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [k, v] = param.split('=');
      if (k?.trim().toLowerCase() === 'q') {
        const n = Number(v?.trim());
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** How well one range covers an offer: 3 exact, 2 `type/*`, 1 `*\/*`, 0 not at all. */
function specificity(range: Range, offer: string): number {
  const [type, subtype] = offer.split('/');
  if (range.type === type && range.subtype === subtype) return 3;
  if (range.type === type && range.subtype === '*') return 2;
  if (range.type === '*' && range.subtype === '*') return 1;
  return 0;
}

/**
 * WebOb-style best match: the highest q wins, then the more specific range, then offer order;
 * no Accept or no acceptable offer means JSON (spec 1.1 §6.6).
 */
export function negotiateListFormat(accept: string | undefined): ListFormat {
  if (!accept) return 'application/json';
  const ranges = parseAccept(accept);
  let best: ListFormat = 'application/json';
  let bestQ = 0;
  let bestSpec = 0;
  for (const offer of OFFERS) {
    let spec = 0;
    let q = 0;
    for (const range of ranges) {
      const s = specificity(range, offer);
      if (s > spec) {
        spec = s;
        q = range.q;
      }
    }
    if (spec === 0 || q <= 0) continue;
    if (q > bestQ || (q === bestQ && spec > bestSpec)) {
      best = offer;
      bestQ = q;
      bestSpec = spec;
    }
  }
  return best;
}

/**
 * A list in the negotiated format: a JSON array; one JSON text per `\n`-terminated line; or
 * each JSON text after its 4-byte big-endian length. Non-ASCII is escaped, so for whoisi
 * the length in bytes equals the length in characters, as in the original.
 */
export function serializeList(items: readonly JsonValue[], format: ListFormat): string | Buffer {
  switch (format) {
    case 'application/json':
      return stringifyJson(items, true);
    case 'application/newlines': {
      let out = '';
      for (const item of items) out += stringifyJson(item, true) + '\n';
      return out;
    }
    case 'application/whoisi': {
      const parts: Buffer[] = [];
      for (const item of items) {
        const text = Buffer.from(stringifyJson(item, true), 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32BE(text.length, 0);
        parts.push(length, text);
      }
      return Buffer.concat(parts);
    }
  }
}
