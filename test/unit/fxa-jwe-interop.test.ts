import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactDecrypt } from 'jose';
import { encryptScopedKeys, fromHex, oldsyncKeyMap } from '../../server/fxa/crypto/index.js';

/**
 * keys_jwe is made in the sign-in page (plain-HTTP LAN pages have no WebCrypto, so no jose there);
 * jose, a maintained JOSE library, must still open it as Firefox does.
 */
test('keys_jwe from the shared encryptor opens with jose (ECDH-ES, A256GCM, P-256)', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keysJwk = Buffer.from(JSON.stringify(publicKey.export({ format: 'jwk' }))).toString('base64url');
  const kB = fromHex('eaf9570b7219a4187d3d6bf3cec2770c2e0719b7cc0dfbb38243d6f1881675e9');
  const keyMap = oldsyncKeyMap(kB, 1510726317123);
  const { plaintext, protectedHeader } = await compactDecrypt(encryptScopedKeys(keysJwk, keyMap), privateKey);
  assert.equal(protectedHeader.alg, 'ECDH-ES');
  assert.equal(protectedHeader.enc, 'A256GCM');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(plaintext)), JSON.parse(JSON.stringify(keyMap)));
});
