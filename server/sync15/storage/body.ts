import { invalidBso } from './errors.js';
import type { BodyFormat } from './headers.js';
import { isPlainObject } from './bso.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decode(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (!Buffer.isBuffer(body)) throw invalidBso('body was not read as bytes');
  try {
    return UTF8.decode(body);
  } catch {
    throw invalidBso('body is not UTF-8');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidBso('body is not JSON');
  }
}

/** A PUT body: exactly one JSON object, else 400/8 (spec 1.5 §2.7). */
export function parseObjectBody(body: unknown): Record<string, unknown> {
  const value = parseJson(decode(body));
  if (!isPlainObject(value)) throw invalidBso('body is not a JSON object');
  return value;
}

/**
 * A POST body: a JSON array of objects, or one object per line for application/newlines
 * (one trailing newline allowed, any other empty line invalid). Anything else fails the
 * whole request with 400/8 (spec 1.5 §2.9 step 1, §2.10 empty-commit cases).
 */
export function parseListBody(body: unknown, format: BodyFormat): Record<string, unknown>[] {
  const text = decode(body);
  let elements: unknown[];
  if (format === 'newlines') {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    elements = lines.map((line) => {
      if (line.trim() === '') throw invalidBso('empty line in application/newlines body');
      return parseJson(line);
    });
  } else {
    const value = parseJson(text);
    if (!Array.isArray(value)) throw invalidBso('body is not a JSON array');
    elements = value;
  }
  for (const element of elements) {
    if (!isPlainObject(element)) throw invalidBso('list element is not an object');
  }
  return elements as Record<string, unknown>[];
}
