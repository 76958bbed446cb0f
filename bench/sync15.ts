import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { buildHawkHeader } from '../server/http/hawk/signing.js';
import { mintToken } from '../test/helpers/sync15-client.js';
import { request, runTasks, type TaskLoopFigures } from './load.js';
import { makeRecords } from './records.js';

export interface Sync15User {
  uid: number;
  id: string;
  key: string;
  /** Fresh Authorization header for one request. */
  sign: (method: string, resource: string) => Record<string, string>;
}

/** A Hawk header per request: fresh ts and nonce every time, as Firefox sends (spec 1.5 §4.1). */
export function hawkHeaderFor(origin: string, creds: { id: string; key: string }) {
  const url = new URL(origin);
  const host = url.hostname;
  const port = Number(url.port) || 80;
  return (method: string, resource: string): Record<string, string> => ({
    authorization: buildHawkHeader({
      id: creds.id,
      key: creds.key,
      ts: Math.floor(Date.now() / 1000),
      nonce: randomBytes(8).toString('base64'),
      method,
      resource,
      host,
      port,
    }),
  });
}

/**
 * A Sync 1.5 user with a few collections. The tokenserver row is made inside the server
 * process (`createUser`, it owns the database), or was written before it started (`fxaUid`
 * given: the row's); the token is minted with the shared master secret exactly as the
 * tokenserver would (test/helpers/sync15-client.ts).
 */
export async function setupSync15User(
  origin: string,
  masterSecret: string,
  createUser: (fxaUid: string) => Promise<number>,
  collections: readonly string[],
  fxaUid = randomBytes(16).toString('hex'),
): Promise<Sync15User> {
  const uid = await createUser(fxaUid);
  const token = mintToken(masterSecret, { uid, node: origin, fxaUid });
  const user: Sync15User = { uid, ...token, sign: hawkHeaderFor(origin, token) };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const [i, collection] of collections.entries()) {
      const path = `/1.5/${uid}/storage/${collection}`;
      const res = await request(origin, agent, {
        method: 'POST',
        path,
        headers: { ...user.sign('POST', path), 'content-type': 'application/json' },
        body: JSON.stringify(makeRecords(20_000_000 + i * 3, 3, 200)),
      });
      if (res.status !== 200)
        throw new Error(`Sync 1.5 POST ${collection} answered ${res.status}: ${res.body.slice(0, 200)}`);
    }
  } finally {
    agent.destroy();
  }
  return user;
}

export interface UploadOptions {
  origin: string;
  user: Sync15User;
  batchSize: number;
  payloadBytes: number;
  uploadRecords: number;
  maxUploads: number;
  maxMs: number;
}

/** Repeated 1,000-record batched uploads from two connections; records per second. */
export async function measureBatchedUploads(o: UploadOptions): Promise<TaskLoopFigures> {
  // Warm-up upload, then the measured ones; every record id is distinct, and the bodies are
  // built before the clock starts so the figure is the server's, not the load generator's.
  const warmAgent = new http.Agent({ keepAlive: true });
  await batchedUpload(o, uploadBodies(o, 30_000_000), warmAgent).finally(() => warmAgent.destroy());
  const bodies = Array.from({ length: o.maxUploads }, (_, i) =>
    uploadBodies(o, 40_000_000 + i * o.uploadRecords),
  );
  return runTasks({
    concurrency: 2,
    maxTasks: o.maxUploads,
    maxMs: o.maxMs,
    task: (i, agent) => batchedUpload(o, bodies[i] as string[], agent),
  });
}

/** Firefox's upload loop (spec 1.5 §2.10): batch=true, then batch=<id>, then commit=true. */
async function batchedUpload(
  o: UploadOptions,
  bodies: readonly string[],
  agent: http.Agent,
): Promise<number> {
  const base = `/1.5/${o.user.uid}/storage/history`;
  let batch = '';
  for (let i = 0; i < bodies.length; i++) {
    const last = i === bodies.length - 1;
    const query = i === 0 ? 'batch=true' : `batch=${encodeURIComponent(batch)}${last ? '&commit=true' : ''}`;
    const path = `${base}?${query}`;
    const res = await request(o.origin, agent, {
      method: 'POST',
      path,
      headers: { ...o.user.sign('POST', path), 'content-type': 'application/json' },
      body: bodies[i],
    });
    const expected = last ? 200 : 202;
    if (res.status !== expected)
      throw new Error(
        `Sync 1.5 POST ?${query.slice(0, 40)} answered ${res.status}: ${res.body.slice(0, 200)}`,
      );
    const parsed = JSON.parse(res.body) as { batch?: string; failed?: Record<string, unknown> };
    if (Object.keys(parsed.failed ?? {}).length > 0)
      throw new Error(`Sync 1.5 batch POST had failures: ${res.body.slice(0, 200)}`);
    if (i === 0) {
      if (!parsed.batch) throw new Error('Sync 1.5 batch=true answered without a batch id');
      batch = parsed.batch;
    }
  }
  return bodies.length * o.batchSize;
}

/** The POST bodies of one upload of `uploadRecords` records in POSTs of `batchSize`. */
function uploadBodies(o: UploadOptions, firstIndex: number): string[] {
  const posts = Math.ceil(o.uploadRecords / o.batchSize);
  return Array.from({ length: posts }, (_, i) =>
    JSON.stringify(makeRecords(firstIndex + i * o.batchSize, o.batchSize, o.payloadBytes)),
  );
}
