import type { Millis } from '../db/records.js';

/**
 * Sync timestamps travel as seconds with exactly two decimals ("1278109839.90") and are
 * kept internally as integer milliseconds that are always a multiple of 10, so that no
 * float ever reaches a comparison or a serializer. `Millis` is defined with the database
 * layer (server/db/records.ts), which must not import the engine.
 */
export type { Millis };

export const TICK_MS = 10;

/** A clock reading on the 10 ms grid (truncated, so it never runs ahead of the clock). */
export function onGrid(ms: number): Millis {
  return ms - (ms % TICK_MS);
}

/** The current time on the 10 ms grid. */
export function nowMillis(clock: () => number = Date.now): Millis {
  return onGrid(clock());
}

/** `1278109839900` → `"1278109839.90"`. */
export function formatTimestamp(ms: Millis): string {
  const hundredths = Math.floor(ms / TICK_MS);
  const seconds = Math.floor(hundredths / 100);
  const frac = hundredths - seconds * 100;
  return `${seconds}.${frac < 10 ? '0' : ''}${frac}`;
}

const DECIMAL = /^\s*\+?(\d+)(?:\.(\d*))?\s*$|^\s*\+?\.(\d+)\s*$/;

export type TimestampRounding = 'nearest' | 'truncate';

/**
 * Parses a client timestamp ("123.456", "123", ".5"). Returns null for anything that is not
 * a non-negative decimal. Sync 1.1 rounds to the nearest hundredth (server-core round_time,
 * spec 1.1 §6.2); Sync 1.5 truncates to 10 ms (spec 1.5 §2.2).
 */
export function parseTimestamp(text: string, rounding: TimestampRounding): Millis | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const whole = m[1] ?? '0';
  const frac = (m[2] ?? m[3] ?? '').padEnd(3, '0');
  if (whole.length > 15) return null;
  let hundredths = Number(whole) * 100 + Number(frac.slice(0, 2));
  if (rounding === 'nearest') {
    const rest = frac.slice(2);
    // Round half to even, as Python's Decimal.quantize does in server-core.
    const third = Number(rest[0]);
    const beyond = /[1-9]/.test(rest.slice(1));
    if (third > 5 || (third === 5 && (beyond || hundredths % 2 === 1))) hundredths += 1;
  }
  const ms = hundredths * TICK_MS;
  return Number.isSafeInteger(ms) ? ms : null;
}
