import { randomBytes } from 'node:crypto';

/** A Sync record as the bench uploads it: a distinct id and a random base64-ish payload. */
export interface BenchRecord {
  id: string;
  payload: string;
}

/** Ids are zero-padded so every batch of a run is distinct and sorts like the insert order. */
export function recordId(index: number): string {
  return `bench${index.toString(36).padStart(8, '0')}`;
}

/** `bytes` characters of base64 text (what an encrypted Sync payload looks like on the wire). */
export function randomPayload(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
}

export function makeRecords(firstIndex: number, count: number, payloadBytes: number): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (let i = 0; i < count; i++)
    out.push({ id: recordId(firstIndex + i), payload: randomPayload(payloadBytes) });
  return out;
}
