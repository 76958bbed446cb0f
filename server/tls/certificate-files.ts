import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pemCertificates } from './certificate-description.js';
import type { TlsMaterial } from './types.js';

/** A certificate or key file the owner gave that cannot be served; the message is one plain line. */
export class TlsFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'TlsFileError';
  }
}

/** Where each file was configured, for the messages ("tls_cert / --tls-cert"). */
const CERT_SETTING = 'tls_cert (--tls-cert)';
const KEY_SETTING = 'tls_key (--tls-key)';

/**
 * The owner's certificate (a PEM file, leaf first, its chain after it) and key, checked the way
 * a client and Node's TLS would: both readable, real PEM, the key the certificate's own, and
 * the certificate valid at `now`. Throws a TlsFileError naming the file and the fix.
 */
export function readCertificateFiles(certFile: string, keyFile: string, now: number): TlsMaterial {
  const certText = readFile(certFile, 'certificate', CERT_SETTING);
  const keyText = readFile(keyFile, 'key', KEY_SETTING);
  const blocks = pemCertificates(certText);
  if (blocks.length === 0) {
    throw new TlsFileError(
      `${certFile} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block); give ${CERT_SETTING} the certificate file, e.g. Let's Encrypt's fullchain.pem.`,
      certFile,
    );
  }
  const chain = blocks.map((block, index) => {
    try {
      return new crypto.X509Certificate(block);
    } catch {
      throw new TlsFileError(
        `${certFile} is damaged: certificate ${index + 1} in it cannot be read; replace it with the file your certificate authority issued.`,
        certFile,
      );
    }
  });
  const leaf = chain[0] as crypto.X509Certificate;
  const key = parseKey(keyFile, keyText);
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsFileError(
      `The key in ${keyFile} does not belong to the certificate in ${certFile}; give ${KEY_SETTING} the key that was made with it (Let's Encrypt: privkey.pem beside fullchain.pem).`,
      keyFile,
    );
  }
  const validFrom = Date.parse(leaf.validFrom);
  const validTo = Date.parse(leaf.validTo);
  if (now < validFrom) {
    throw new TlsFileError(
      `The certificate in ${certFile} is not valid before ${new Date(validFrom).toISOString()}; check this computer's clock, or use a certificate valid now.`,
      certFile,
    );
  }
  if (now >= validTo) {
    throw new TlsFileError(
      `The certificate in ${certFile} expired on ${new Date(validTo).toISOString()}; renew it (or check this computer's clock) and Foxden reloads it.`,
      certFile,
    );
  }
  return { cert: `${blocks.join('\n')}\n`, key: keyText };
}

function parseKey(keyFile: string, text: string): crypto.KeyObject {
  try {
    return crypto.createPrivateKey(text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE' || /ENCRYPTED/.test(text)) {
      throw new TlsFileError(
        `The key in ${keyFile} is protected by a passphrase, which Foxden cannot type at start; give ${KEY_SETTING} an unencrypted key (openssl pkey -in ${path.basename(keyFile)} -out key.pem).`,
        keyFile,
      );
    }
    throw new TlsFileError(
      `${keyFile} holds no PEM private key (a "-----BEGIN ... PRIVATE KEY-----" block); give ${KEY_SETTING} the certificate's key file.`,
      keyFile,
    );
  }
}

function readFile(file: string, what: 'certificate' | 'key', setting: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = path.resolve(file);
    switch (code) {
      case 'ENOENT':
        throw new TlsFileError(`The TLS ${what} file ${where} does not exist; check ${setting}.`, file);
      case 'EACCES':
      case 'EPERM':
        throw new TlsFileError(
          `Foxden is not allowed to read the TLS ${what} file ${where} (permission denied); let the user Foxden runs as read it (e.g. a group with read access), or copy it where it can.`,
          file,
        );
      case 'EISDIR':
        throw new TlsFileError(
          `The TLS ${what} file ${where} is a folder, not a file; check ${setting}.`,
          file,
        );
      default:
        throw new TlsFileError(
          `The TLS ${what} file ${where} cannot be read (${code ?? (err instanceof Error ? err.message : String(err))}); check ${setting}.`,
          file,
        );
    }
  }
}
