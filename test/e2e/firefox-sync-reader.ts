// Reads what Firefox uploaded using nothing but the e-mail and password, the way a second
// device would (fxa-local.md §10.3 scenario 2): onepw stretch → /account/login → /account/keys
// → kB → the oldsync key → tokenserver → Storage 1.5 → crypto/keys → records. Written with
// node:crypto only, independent of the page's @noble code, so it cross-checks that code.
import crypto from 'node:crypto';
import type { Fetch } from './trusting-fetch.js';

const NS = 'identity.mozilla.com/picl/v1/';
const OLDSYNC = 'https://identity.mozilla.com/apps/oldsync';

function hkdf(ikm: Buffer, info: string, length: number): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', ikm, Buffer.alloc(0), Buffer.from(NS + info, 'utf8'), length));
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

interface Hawk {
  id: string;
  key: Buffer;
}

function hawkHeader(creds: Hawk, method: string, url: URL, body: string | null): string {
  const ts = Math.floor(Date.now() / 1000);
  const nonce = crypto.randomBytes(8).toString('base64');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hash =
    body === null
      ? ''
      : crypto.createHash('sha256').update(`hawk.1.payload\napplication/json\n${body}\n`).digest('base64');
  const normalized = `hawk.1.header\n${ts}\n${nonce}\n${method}\n${url.pathname}${url.search}\n${url.hostname}\n${port}\n${hash}\n\n`;
  const mac = crypto.createHmac('sha256', creds.key).update(normalized).digest('base64');
  return `Hawk id="${creds.id}", ts="${ts}", nonce="${nonce}"${hash ? `, hash="${hash}"` : ''}, mac="${mac}"`;
}

function tokenCreds(tokenHex: string, kind: string): Hawk & { extra: Buffer } {
  const out = hkdf(Buffer.from(tokenHex, 'hex'), kind, 96);
  return { id: out.subarray(0, 32).toString('hex'), key: out.subarray(32, 64), extra: out.subarray(64, 96) };
}

async function call<T>(
  fetchImpl: Fetch,
  method: 'GET' | 'POST',
  url: string,
  body: unknown,
  creds: Hawk | null,
  headers: Record<string, string> = {},
): Promise<T> {
  const target = new URL(url);
  const text = body === undefined ? null : JSON.stringify(body);
  const h: Record<string, string> = { Accept: 'application/json', ...headers };
  if (text !== null) h['Content-Type'] = 'application/json';
  if (creds) h.Authorization = hawkHeader(creds, method, target, text);
  const res = await fetchImpl(target, { method, headers: h, ...(text !== null ? { body: text } : {}) });
  const raw = await res.text();
  if (!res.ok) throw new Error(`${method} ${target.pathname} answered ${res.status}: ${raw.slice(0, 300)}`);
  return JSON.parse(raw) as T;
}

export interface SyncRecord {
  id: string;
  payload: string;
  modified: number;
}

interface KeyBundle {
  enc: Buffer;
  mac: Buffer;
}

/** Sync 1.5 record crypto: HMAC over the base64 ciphertext *string*, then AES-256-CBC (§10.3). */
function decryptPayload(payload: string, keys: KeyBundle): Record<string, unknown> {
  const { ciphertext, IV, hmac } = JSON.parse(payload) as { ciphertext: string; IV: string; hmac: string };
  const expected = crypto.createHmac('sha256', keys.mac).update(ciphertext, 'utf8').digest();
  if (!crypto.timingSafeEqual(expected, Buffer.from(hmac, 'hex')))
    throw new Error('record HMAC mismatch: wrong key');
  const decipher = crypto.createDecipheriv('aes-256-cbc', keys.enc, Buffer.from(IV, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}

export class SyncReader {
  private constructor(
    /** The Storage 1.5 endpoint, e.g. http://127.0.0.1:1234/1.5/1 (no trailing slash). */
    private readonly endpoint: string,
    private readonly storage: Hawk,
    private readonly kSync: KeyBundle,
    readonly kid: string,
    private readonly fetchImpl: Fetch,
  ) {}

  /** `fetchImpl`: how to reach the server (over https, one that trusts its CA). */
  static async signIn(
    publicUrl: string,
    email: string,
    password: string,
    fetchImpl: Fetch = fetch,
    /** A directory person's name: sign in as the page does for them (the plain login refuses). */
    directoryName?: string,
  ): Promise<SyncReader> {
    const auth = `${publicUrl}auth/v1`;
    const quick = crypto.pbkdf2Sync(
      Buffer.from(password, 'utf8'),
      Buffer.from(`${NS}quickStretch:${email}`, 'utf8'),
      1000,
      32,
      'sha256',
    );
    const authPW = hkdf(quick, 'authPW', 32).toString('hex');
    const unwrapBKey = hkdf(quick, 'unwrapBkey', 32);
    const login = await call<{ uid: string; sessionToken: string; keyFetchToken: string }>(
      fetchImpl,
      'POST',
      directoryName === undefined
        ? `${auth}/account/login?keys=true`
        : `${auth}/account/directory/login?keys=true`,
      directoryName === undefined
        ? { email, authPW }
        : { name: directoryName, email, authPW, directoryPassword: password },
      null,
    );

    const keyFetch = tokenCreds(login.keyFetchToken, 'keyFetchToken');
    const { bundle } = await call<{ bundle: string }>(
      fetchImpl,
      'GET',
      `${auth}/account/keys`,
      undefined,
      keyFetch,
    );
    const raw = Buffer.from(bundle, 'hex');
    const k = hkdf(keyFetch.extra, 'account/keys', 96);
    const ct = raw.subarray(0, 64);
    const mac = crypto.createHmac('sha256', k.subarray(0, 32)).update(ct).digest();
    if (!crypto.timingSafeEqual(mac, raw.subarray(64))) throw new Error('keys bundle MAC mismatch');
    const wrapKb = Buffer.from(ct.subarray(32, 64).map((b, i) => b ^ k[32 + 32 + i]!));
    const kB = Buffer.from(wrapKb.map((b, i) => b ^ unwrapBKey[i]!));

    const session = tokenCreds(login.sessionToken, 'sessionToken');
    const keyData = await call<Record<string, { keyRotationTimestamp: number }>>(
      fetchImpl,
      'POST',
      `${auth}/account/scoped-key-data`,
      { client_id: '5882386c6d801776', scope: OLDSYNC },
      session,
    );
    const rotation = keyData[OLDSYNC]?.keyRotationTimestamp;
    if (typeof rotation !== 'number') throw new Error('no oldsync key data');
    const kSyncRaw = hkdf(kB, 'oldsync', 64);
    const kid = `${rotation}-${b64url(crypto.createHash('sha256').update(kB).digest().subarray(0, 16))}`;

    const grant = await call<{ access_token: string }>(
      fetchImpl,
      'POST',
      `${auth}/oauth/token`,
      { client_id: '5882386c6d801776', grant_type: 'fxa-credentials', scope: OLDSYNC, ttl: 3600 },
      session,
    );
    const token = await call<{ id: string; key: string; api_endpoint: string }>(
      fetchImpl,
      'GET',
      `${publicUrl}1.0/sync/1.5`,
      undefined,
      null,
      {
        Authorization: `Bearer ${grant.access_token}`,
        'X-KeyID': kid,
      },
    );
    return new SyncReader(
      token.api_endpoint.replace(/\/$/, ''),
      { id: token.id, key: Buffer.from(token.key, 'utf8') },
      { enc: kSyncRaw.subarray(0, 32), mac: kSyncRaw.subarray(32, 64) },
      kid,
      fetchImpl,
    );
  }

  async collections(): Promise<Record<string, number>> {
    return call(this.fetchImpl, 'GET', `${this.endpoint}/info/collections`, undefined, this.storage);
  }

  async records(collection: string): Promise<SyncRecord[]> {
    return call(
      this.fetchImpl,
      'GET',
      `${this.endpoint}/storage/${collection}?full=1`,
      undefined,
      this.storage,
    );
  }

  /** Decrypts every record of `collection` with the default key from crypto/keys. */
  async decryptedRecords(collection: string): Promise<Record<string, unknown>[]> {
    const keysRecord = await call<SyncRecord>(
      this.fetchImpl,
      'GET',
      `${this.endpoint}/storage/crypto/keys`,
      undefined,
      this.storage,
    );
    const keys = decryptPayload(keysRecord.payload, this.kSync) as { default?: [string, string] };
    if (!keys.default) throw new Error('crypto/keys has no default key pair');
    const bundle = {
      enc: Buffer.from(keys.default[0], 'base64'),
      mac: Buffer.from(keys.default[1], 'base64'),
    };
    return (await this.records(collection)).map((r) => decryptPayload(r.payload, bundle));
  }
}
