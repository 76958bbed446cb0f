import crypto from 'node:crypto';
import path from 'node:path';
import { ensurePrivateDir, tightenFile } from '../fs/private-path.js';
import { readIfPresent } from '../fs/read-if-present.js';
import { createFileExclusive, replaceFileAtomic } from '../fs/write-atomic.js';
import { DAY_MS, generateKeyPair, importSigningKey, privateKeyPem, randomSerial } from './key-material.js';
import {
  householdConstraints,
  nameConstraintsExtension,
  readNameConstraints,
  type HouseholdConstraints,
} from './name-constraints.js';
import { ECDSA_P256, x509 } from './x509-library.js';

const TLS_DIR = 'tls';
const CA_CERT_FILE = 'ca.crt';
const CA_KEY_FILE = 'ca.key';
const CA_VALIDITY_YEARS = 10;

/** What setup-info and the dashboard show about the household CA; never its key. */
export interface HouseholdCaInfo {
  pem: string;
  /** SHA-256 of the CA certificate, upper-case hex pairs joined by ':' (as Firefox shows it). */
  fingerprint256: string;
  /** The CA's name (its subject's common name), as certificate managers list it. */
  subject: string;
  /** ISO 8601. */
  notAfter: string;
}

/** The household CA, loaded and ready to issue. */
export interface HouseholdCa {
  info: HouseholdCaInfo;
  certificate: x509.X509Certificate;
  signingKey: crypto.webcrypto.CryptoKey;
  /** Where its certificate is, for messages. */
  certFile: string;
  /** The names it may vouch for, as written in it (fixed when it was made). */
  constraints: HouseholdConstraints;
}

/** A household CA that exists but cannot be used; the message is the one line to show. */
export class HouseholdCaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HouseholdCaError';
  }
}

export function tlsDir(dataDir: string): string {
  return path.join(dataDir, TLS_DIR);
}

/**
 * The household CA certificate for `foxden setup-info` (which starts no server): null when no
 * CA was ever made. Throws a HouseholdCaError (one line) when the file is damaged.
 */
export function readHouseholdCa(dataDir: string): HouseholdCaInfo | null {
  const file = path.join(tlsDir(dataDir), CA_CERT_FILE);
  const pem = readIfPresent(file);
  return pem === null ? null : parseCaCertificate(file, pem).info;
}

/**
 * The household CA of `dataDir`, made on first use: an ECDSA P-256 key (`tls/ca.key`, 0600,
 * never leaves the data directory) and a 10-year certificate (`tls/ca.crt`) whose name
 * constraints keep it to the household's names and addresses. An existing CA is loaded and
 * checked, never replaced: devices trust it, and a new one would silently break them all.
 */
export async function openHouseholdCa(
  dataDir: string,
  context: { hostname: string; publicUrl: string; now: number },
): Promise<HouseholdCa> {
  const dir = tlsDir(dataDir);
  const certFile = path.join(dir, CA_CERT_FILE);
  const keyFile = path.join(dir, CA_KEY_FILE);
  const existing = readIfPresent(certFile);
  if (existing !== null) return loadCa(certFile, existing, keyFile, context.now);

  ensurePrivateDir(dir);
  const keys = await generateKeyPair();
  const notBefore = new Date(context.now - DAY_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [caCommonName(context.hostname)] }],
    notBefore,
    notAfter,
    signingAlgorithm: ECDSA_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      nameConstraintsExtension(householdConstraints(context.hostname, context.publicUrl)),
    ],
  });
  // The certificate is what marks a CA as made: a key left without one by an interrupted
  // first start was never trusted by anything, so it is simply replaced.
  replaceFileAtomic(keyFile, privateKeyPem(keys.privateKey));
  const pem = `${certificate.toString('pem')}\n`;
  if (!createFileExclusive(certFile, pem)) {
    throw new HouseholdCaError(
      `${certFile} appeared while Foxden was making the household CA; start Foxden again.`,
    );
  }
  return loadCa(certFile, pem, keyFile, context.now);
}

async function loadCa(certFile: string, pem: string, keyFile: string, now: number): Promise<HouseholdCa> {
  const parsed = parseCaCertificate(certFile, pem);
  const keyText = readIfPresent(keyFile);
  if (keyText === null) {
    throw new HouseholdCaError(
      `The household CA's key ${keyFile} is missing, so no certificate can be issued; restore it from a copy of the data folder (Foxden's backups do not hold the CA key), ${moveAway(certFile)}.`,
    );
  }
  tightenFile(keyFile);
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(keyText);
  } catch {
    throw damaged(keyFile, 'not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw damaged(keyFile, 'not an ECDSA P-256 key');
  }
  if (!parsed.node.checkPrivateKey(key)) {
    throw damaged(keyFile, `it is not the key of ${certFile}`);
  }
  if (Date.parse(parsed.node.validTo) <= now) {
    throw caExpired(certFile, parsed.info.notAfter);
  }
  return {
    info: parsed.info,
    certFile,
    certificate: parsed.certificate,
    signingKey: await importSigningKey(key),
    constraints: readNameConstraints(parsed.certificate) ?? { dns: [], ips: [] },
  };
}

function parseCaCertificate(
  file: string,
  pem: string,
): { info: HouseholdCaInfo; node: crypto.X509Certificate; certificate: x509.X509Certificate } {
  let node: crypto.X509Certificate;
  let certificate: x509.X509Certificate;
  try {
    node = new crypto.X509Certificate(pem);
    certificate = new x509.X509Certificate(node.raw);
  } catch {
    throw damaged(file, 'not a PEM certificate');
  }
  if (!node.ca) throw damaged(file, 'not a certificate authority');
  return {
    node,
    certificate,
    info: {
      pem: node.toString(),
      fingerprint256: node.fingerprint256,
      subject: certificate.subjectName.getField('CN')[0] ?? certificate.subject,
      notAfter: new Date(node.validTo).toISOString(),
    },
  };
}

/** `Foxden household CA (<host>) <id>`: the id keeps two households' CAs apart in a trust store. */
function caCommonName(hostname: string): string {
  const host = (hostname.split('.')[0] ?? '').replace(/[^A-Za-z0-9-]/g, '').slice(0, 32) || 'home';
  return `Foxden household CA (${host}) ${crypto.randomBytes(4).toString('hex')}`;
}

/** The line for a household CA past its end: nothing it issues would be accepted. */
export function caExpired(certFile: string, notAfter: string): HouseholdCaError {
  return new HouseholdCaError(`The household CA ${certFile} expired on ${notAfter}; ${moveAway(certFile)}.`);
}

function damaged(file: string, reason: string): HouseholdCaError {
  return new HouseholdCaError(
    `The household CA file ${file} is damaged (${reason}); Foxden does not replace it, since devices may trust it: restore it from a copy of the data folder (Foxden's backups do not hold the CA key), ${moveAway(file)}.`,
  );
}

function moveAway(file: string): string {
  return `or move the folder ${path.dirname(file)} away to make a new household CA (every device must then trust the new one)`;
}
