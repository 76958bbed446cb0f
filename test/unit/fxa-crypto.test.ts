import assert from 'node:assert/strict';
import { createDecipheriv, createECDH, createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  NS,
  clientStateOf,
  createKeysBundle,
  deriveOldsyncKey,
  deriveTokenCredentials,
  encryptScopedKeys,
  fromB64url,
  fromHex,
  hkdfNs,
  oldsyncKeyMap,
  openKeysBundle,
  pkceChallenge,
  stretchPassword,
  toB64url,
  toHex,
  verifierFromStretched,
} from '../../server/fxa/crypto/index.js';
import { stretchAuthPW } from '../../server/fxa/password.js';

// Every vector of fxa-local spec §5.10.
const counting = (from: number, n: number) => new Uint8Array(n).map((_, i) => from + i);

describe('fxa crypto: onepw stretch (spec §5.2)', () => {
  it('andré / pässwörd', () => {
    const s = stretchPassword('andré@example.org', 'pässwörd');
    assert.equal(
      toHex(s.quickStretchedPW),
      'e4e8889bd8bd61ad6de6b95c059d56e7b50dacdaf62bd84644af7e2add84345d',
    );
    assert.equal(toHex(s.authPW), '247b675ffb4c46310bc87e26d712153abe5e1c90ef00a4784594f97ef54f2375');
    assert.equal(toHex(s.unwrapBKey), 'de6a2648b78284fcb9ffa81ba95803309cfba7af583c01a8a1a63e567234dd28');
  });
  it('francine / i like pie', () => {
    const s = stretchPassword('francine@example.org', 'i like pie');
    assert.equal(
      toHex(s.quickStretchedPW),
      '6b88094c1c73bbf133223f300d101ed70837af48d9d2c1b6e7d38804b20cdde4',
    );
    assert.equal(toHex(s.authPW), '4b8dec7f48e7852658163601ff766124c312f9392af6c3d4e1a247eb439be342');
    assert.equal(toHex(s.unwrapBKey), '8ff58975be391338e4ec5d7138b5ed7b65c7d1bfd1f3a4f93e05aa47d5b72be9');
  });
});

describe('fxa crypto: tokens and bundle (spec §4.0, §5.4, §5.5)', () => {
  it('sessionToken a0..bf', () => {
    const c = deriveTokenCredentials(counting(0xa0, 32), 'sessionToken');
    assert.equal(c.id, 'c0a29dcf46174973da1378696e4c82ae10f723cf4f4d9f75e39f4ae3851595ab');
    assert.equal(toHex(c.key), '9d8f22998ee7f5798b887042466b72d53e56ab0c094388bf65831f702d2febc0');
  });
  it('keyFetchToken 80..9f and the keys bundle', () => {
    const c = deriveTokenCredentials(counting(0x80, 32), 'keyFetchToken');
    assert.equal(c.id, '3d0a7c02a15a62a2882f76e39b6494b500c022a8816e048625a495718998ba60');
    assert.equal(toHex(c.key), '87b8937f61d38d0e29cd2d5600b3f4da0aa48ac41de36a0efe84bb4a9872ceb7');
    assert.equal(toHex(c.extra), '14f338a9e8c6324d9e102d4e6ee83b209796d5c74bb734a410e729e014a4a546');
    const k = hkdfNs(c.extra, 'account/keys', 96);
    assert.equal(
      toHex(k.subarray(0, 32)),
      'f824d2953aab9faf51a1cb65ba9e7f9e5bf91c8d8fd1ac1c8c2d31853a8a1210',
    );
    assert.equal(
      toHex(k.subarray(32)),
      'ce7d7aa77859b2359932970bbe2101f2e80d01faf9191bd5ee52181d2f0b78098281ba8cff3925433a89f7c3095e0c89900a469d60790c833281c4df1a11c763',
    );
    const kA = counting(0x20, 32);
    const wrapKb = counting(0x40, 32);
    const bundle = createKeysBundle(c.extra, kA, wrapKb);
    assert.equal(
      bundle,
      'ee5c58845c7c9412b11bbd20920c2fddd83c33c9cd2c2de2d66b222613364636c2c0f8cfbb7c630472c0bd88451342c6c05b14ce342c5ad46ad89e84464c993c3927d30230157d0817a077eef4b20d976f7a97363faf3f064c003ada7d01aa70',
    );
    const opened = openKeysBundle(c.extra, bundle);
    assert.deepEqual([toHex(opened.kA), toHex(opened.wrapKb)], [toHex(kA), toHex(wrapKb)]);
    const tampered = bundle.slice(0, 10) + (bundle[10] === '0' ? '1' : '0') + bundle.slice(11);
    assert.throws(() => openKeysBundle(c.extra, tampered), /MAC/);
  });
  it('HKDF vector 3 (FCR)', () => {
    const out = toHex(
      hkdfNs(
        fromHex('4a9cbe5ae7190a7bb7cc54d5d84f5e4ba743904f8a764933b72f10260067375a'),
        'keyFetchToken',
        96,
      ),
    );
    assert.ok(out.startsWith('f4df04ff'), out);
    assert.ok(out.endsWith('af75f6aa543a8ba7e0a029f87c785c4af0ad03889f7437f735b5256a88fc73fd'), out);
  });
});

describe('fxa crypto: oldsync key, server verifier, PKCE (spec §5.3, §5.7, §5.9)', () => {
  it('oldsync key of the FCR vector', () => {
    const kB = fromHex('eaf9570b7219a4187d3d6bf3cec2770c2e0719b7cc0dfbb38243d6f1881675e9');
    const jwk = deriveOldsyncKey(kB, 1510726317123);
    assert.equal(
      jwk.k,
      'DW_ll5GwX6SJ5GPqJVAuMUP2t6kDqhUulc2cbt26xbTcaKGQl-9l29FHAQ7kUiJETma4s9fIpEHrt909zgFang',
    );
    assert.equal(jwk.kid, '1510726317123-IqQv4onc7VcVE1kTQkyyOw');
    assert.equal(jwk.kty, 'oct');
    assert.equal(jwk.scope, 'https://identity.mozilla.com/apps/oldsync');
    assert.equal(clientStateOf(kB), '22a42fe289dced5715135913424cb23b');
  });
  it('server verifier for francine (scrypt with maxmem)', async () => {
    const authPW = fromHex('4b8dec7f48e7852658163601ff766124c312f9392af6c3d4e1a247eb439be342');
    const salt = new Uint8Array(32);
    salt[0] = 0x00;
    salt[1] = 0xf0;
    const stretched = await stretchAuthPW(authPW, salt);
    assert.equal(toHex(stretched), '63351df0dbf26f9a8d4e56760865192c8a2a6130b840769d53ee4ce779a6c973');
    const v = verifierFromStretched(stretched);
    assert.equal(toHex(v.verifyHash), '8833a765286cb3552dc1d0cf2e7f22792074c2413ecf9617e0e76bb45ac2164c');
    assert.equal(toHex(v.wrapwrapKey), 'c98bff7ec418f5c93d4f63c0bd484f1b1860ec3932710615cc42d80087fe4787');
  });
  it('PKCE RFC 7636 appendix B', () => {
    assert.equal(
      pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
  it('base64url is unpadded and strict', () => {
    assert.equal(toB64url(new Uint8Array([0xfb, 0xff])), '-_8');
    assert.deepEqual([...fromB64url('-_8')], [0xfb, 0xff]);
    assert.throws(() => fromB64url('-_8='));
  });
});

describe('fxa crypto: keys_jwe (spec §5.8)', () => {
  it('round trip, decrypted by an independent node:crypto implementation', () => {
    // Firefox's side: an ephemeral P-256 key pair; keys_jwk = b64url(JSON of the public JWK).
    const ecdh = createECDH('prime256v1');
    const pub = ecdh.generateKeys();
    const jwk = {
      crv: 'P-256',
      ext: true,
      key_ops: [],
      kty: 'EC',
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33).toString('base64url'),
    };
    const keysJwk = Buffer.from(JSON.stringify(jwk)).toString('base64url');
    const kB = fromHex('eaf9570b7219a4187d3d6bf3cec2770c2e0719b7cc0dfbb38243d6f1881675e9');
    const jwe = encryptScopedKeys(keysJwk, oldsyncKeyMap(kB, 1510726317123));

    const [h, ek, iv, ct, tag] = jwe.split('.');
    assert.equal(ek, '', 'the encrypted-key part is empty');
    assert.ok(!jwe.includes('='), 'no padding anywhere');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown> & {
      epk: { x: string; y: string };
    };
    assert.equal(header.alg, 'ECDH-ES');
    assert.equal(header.enc, 'A256GCM');
    assert.ok(!('apu' in header) && !('apv' in header));
    const epk = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(header.epk.x, 'base64url'),
      Buffer.from(header.epk.y, 'base64url'),
    ]);
    const z = ecdh.computeSecret(epk); // node returns the x-coordinate
    const be32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const cek = createHash('sha256')
      .update(Buffer.concat([be32(1), z, be32(7), Buffer.from('A256GCM'), be32(0), be32(0), be32(256)]))
      .digest();
    const decipher = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv!, 'base64url'));
    decipher.setAAD(Buffer.from(h!, 'ascii'));
    decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
    const plain = Buffer.concat([
      decipher.update(Buffer.from(ct!, 'base64url')),
      decipher.final(),
    ]).toString();
    const map = JSON.parse(plain) as Record<string, { kid: string; k: string }>;
    assert.equal(
      map['https://identity.mozilla.com/apps/oldsync']!.kid,
      '1510726317123-IqQv4onc7VcVE1kTQkyyOw',
    );
    assert.equal(
      map['https://identity.mozilla.com/apps/oldsync']!.k,
      'DW_ll5GwX6SJ5GPqJVAuMUP2t6kDqhUulc2cbt26xbTcaKGQl-9l29FHAQ7kUiJETma4s9fIpEHrt909zgFang',
    );
  });
  it('NS is the onepw namespace', () => {
    assert.equal(NS, 'identity.mozilla.com/picl/v1/');
  });
});
