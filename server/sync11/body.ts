import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { Request } from 'express';

export type BodyRefusal = 'too-large' | 'aborted' | 'undecodable';
export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: BodyRefusal };

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * A gzip or deflate body decompressed, at most `limit` bytes of it (as body-parser does for
 * Sync 1.5): too large is 413; bytes that do not decompress are the client's fault, 400, not
 * an error for the catch-all. Other encodings are read as they come, as before.
 */
async function decodeBody(req: Request, body: Buffer, limit: number): Promise<BodyResult> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decompress = encoding === 'gzip' ? gunzipAsync : encoding === 'deflate' ? inflateAsync : undefined;
  if (decompress === undefined) return { ok: true, body };
  try {
    return { ok: true, body: await decompress(body, { maxOutputLength: limit }) };
  } catch (err) {
    const tooLarge = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    return { ok: false, reason: tooLarge ? 'too-large' : 'undecodable' };
  }
}

/**
 * Reads a request body into memory up to `limit` bytes. An oversized body is refused from
 * Content-Length when declared, else as soon as it passes the limit; the rest is drained
 * so the client still reads the answer. A gzip or deflate body is then decompressed within the
 * same limit (`decodeBody`).
 */
export function readBody(req: Request, limit: number): Promise<BodyResult> {
  const read = readRawBody(req, limit);
  // The common case (no Content-Encoding) costs nothing more than before.
  if (req.headers['content-encoding'] === undefined) return read;
  return read.then((result) => (result.ok ? decodeBody(req, result.body, limit) : result));
}

function readRawBody(req: Request, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
      if (!result.ok) req.resume();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish({ ok: false, reason: 'too-large' });
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, reason: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, or null when it is not valid UTF-8. */
export function utf8(body: Buffer): string | null {
  try {
    return STRICT_UTF8.decode(body);
  } catch {
    return null;
  }
}

/** Parses JSON text; `undefined` means "not JSON" (JSON itself has no undefined). */
export function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
