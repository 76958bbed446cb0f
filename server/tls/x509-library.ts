// @peculiar/x509 resolves its parts through tsyringe, which refuses to load without the
// Reflect metadata API; this import must stay before the library's, and every module of Foxden
// reaches the library through this file so that order holds everywhere.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's own WebCrypto (OpenSSL underneath), never a JavaScript fallback, signs and hashes.
// (The library types it as the DOM's Crypto, which this project's lib setting does not load.)
x509.cryptoProvider.set(
  webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>,
);

export { x509 };

/** ECDSA P-256 with SHA-256: the one key and signature type of the household CA and its certificates. */
export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
