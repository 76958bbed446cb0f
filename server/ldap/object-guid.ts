/**
 * Active Directory's and Samba's `objectGUID`: 16 bytes, shown by Windows tools as a GUID
 * string whose first three groups are little-endian (`{3f2504e0-4f89-11d3-9a0c-0305e82c3301}`).
 * Foxden keeps the string (lower case, no braces), so the id reads as AD's tools print it.
 */

/** The GUID string of a 16-byte objectGUID, or null when it is not 16 bytes. */
export function guidString(bytes: Buffer): string | null {
  if (bytes.length !== 16) return null;
  const hex = (from: number, to: number, reversed: boolean) => {
    const part = Buffer.from(bytes.subarray(from, to));
    return (reversed ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

const GUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/u;

/** The 16 bytes a GUID string stands for (to search by it), or null when it is not one. */
export function guidBytes(guid: string): Buffer | null {
  const m = GUID.exec(guid.toLowerCase());
  if (!m) return null;
  const [, a, b, c, d, e] = m as unknown as [string, string, string, string, string, string];
  const le = (part: string) => Buffer.from(part, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}
