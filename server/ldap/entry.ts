import type { Entry } from 'ldapts';

/**
 * Reading a search entry's attributes. Servers answer with their own spelling of a name
 * (`entryuuid`, `entryUUID`), so names are matched without case.
 */

export function values(entry: Entry, name: string): string[] {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() !== wanted || key === 'dn') continue;
    const list = Array.isArray(value) ? value : [value];
    return list.map((item) => (Buffer.isBuffer(item) ? item.toString('utf8') : String(item)));
  }
  return [];
}

export function first(entry: Entry, name: string): string | null {
  return values(entry, name)[0] ?? null;
}

/**
 * A DN in a form two spellings of the same DN share for the common cases (case, spaces around
 * `,` and `=`), for comparing a `memberOf` value with a group's DN. Not a full RFC 4514
 * normalisation: when this says "different", the group is asked (see client.ts).
 */
export function looseDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=])\s*/gu, '$1')
    .toLowerCase();
}
