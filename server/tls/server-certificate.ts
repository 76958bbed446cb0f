import crypto from 'node:crypto';
import path from 'node:path';
import { FileSystemProblem } from '../fs/private-path.js';
import { readIfPresent } from '../fs/read-if-present.js';
import { writeFileAtomic } from '../fs/write-atomic.js';
import type { NameSet } from './certificate-names.js';
import { pemCertificates, subjectAltNames } from './certificate-description.js';
import { caExpired, tlsDir, type HouseholdCa } from './household-ca.js';
import { DAY_MS, generateKeyPair, privateKeyPem, randomSerial } from './key-material.js';
import type { TlsMaterial } from './types.js';
import { ECDSA_P256, x509 } from './x509-library.js';

const SERVER_CERT_FILE = 'server.crt';
const SERVER_KEY_FILE = 'server.key';
const VALIDITY_MS = 365 * DAY_MS;
/** Clients whose clock runs a little behind still accept a certificate issued just now. */
const BACKDATE_MS = 60 * 60 * 1000;
/** A certificate with less left than this is renewed (at start and while running). */
const RENEW_BEFORE_MS = 60 * DAY_MS;

/**
 * A server certificate from the household CA for exactly `names` (which must lie within the
 * CA's constraints): ECDSA P-256, serverAuth, valid a year (never past the CA), the chain
 * (leaf, then CA) as Node's TLS wants it.
 */
export async function issueServerCertificate(
  ca: HouseholdCa,
  names: NameSet,
  now: number,
): Promise<TlsMaterial> {
  const caEnds = ca.certificate.notAfter.getTime();
  if (caEnds <= now) {
    throw caExpired(ca.certFile, ca.info.notAfter);
  }
  const keys = await generateKeyPair();
  const notBefore = new Date(now - BACKDATE_MS);
  const notAfter = new Date(Math.min(now + VALIDITY_MS, caEnds));
  // Clients match the subjectAltName only; the common name is what certificate viewers show.
  const commonName = names.dns.find((n) => n !== 'localhost') ?? 'localhost';
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [commonName] }],
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ECDSA_P256,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await authorityKeyIdentifier(ca),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: `${leaf.toString('pem')}\n${ca.info.pem.trim()}\n`, key: privateKeyPem(keys.privateKey) };
}

/** The CA's own subject key identifier, so clients that build chains by key id find the CA. */
async function authorityKeyIdentifier(ca: HouseholdCa): Promise<x509.AuthorityKeyIdentifierExtension> {
  const keyId = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (keyId !== undefined) return new x509.AuthorityKeyIdentifierExtension(keyId);
  return x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey);
}

/** Keeps the certificate in the data directory (0600), so the next start serves the same one. */
export function storeServerCertificate(dataDir: string, material: TlsMaterial): void {
  const dir = tlsDir(dataDir);
  // Key first: a start that finds a new key beside an old certificate sees them not match and
  // issues again; the reverse order could not tell.
  for (const [name, text] of [
    [SERVER_KEY_FILE, material.key],
    [SERVER_CERT_FILE, material.cert],
  ] as const) {
    const file = path.join(dir, name);
    try {
      writeFileAtomic(file, text);
    } catch (err) {
      if (err instanceof FileSystemProblem) throw err;
      // The system's own message names a random temporary file; this line stays the same.
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new FileSystemProblem(`${file} cannot be written (${code}).`, code, file);
    }
  }
}

/**
 * The stored server certificate when it is still good to serve: issued by this CA, its key
 * beside it, covering `names`, with more than RENEW_BEFORE_MS left. Anything else (missing,
 * unreadable, damaged, stale) is null: these are Foxden's own files and a new certificate replaces them.
 */
export function loadStoredServerCertificate(
  dataDir: string,
  ca: HouseholdCa,
  names: NameSet,
  now: number,
): TlsMaterial | null {
  const dir = tlsDir(dataDir);
  try {
    // One that cannot be read (a folder in its place, no permission) is replaced like a damaged
    // one; if the new one cannot be saved there either, that is said then.
    const cert = readIfPresent(path.join(dir, SERVER_CERT_FILE));
    const key = readIfPresent(path.join(dir, SERVER_KEY_FILE));
    if (cert === null || key === null) return null;
    const [leafPem] = pemCertificates(cert);
    if (leafPem === undefined) return null;
    const leaf = new crypto.X509Certificate(leafPem);
    const caCert = new crypto.X509Certificate(ca.info.pem);
    if (!leaf.verify(caCert.publicKey) || !leaf.checkPrivateKey(crypto.createPrivateKey(key))) return null;
    if (!isStillGood(leaf, ca, names, now)) return null;
    // The chain is rebuilt from the CA as loaded, whatever the stored file held after the leaf.
    return { cert: `${leafPem}\n${ca.info.pem.trim()}\n`, key };
  } catch {
    return null;
  }
}

/** Whether `leaf` names every one of `names` and has more than RENEW_BEFORE_MS left at `now` (or lasts as long as the CA). */
export function isStillGood(
  leaf: crypto.X509Certificate,
  ca: HouseholdCa,
  names: NameSet,
  now: number,
): boolean {
  const validTo = Date.parse(leaf.validTo);
  // In the CA's last 60 days no new certificate could last longer: issuing again would only
  // repeat itself at every check.
  const lastsAsLongAsCa = validTo >= ca.certificate.notAfter.getTime();
  if (validTo - now <= RENEW_BEFORE_MS && !(lastsAsLongAsCa && validTo > now)) return false;
  if (Date.parse(leaf.validFrom) > now) return false;
  const has = subjectAltNames(leaf);
  return names.dns.every((n) => has.dns.includes(n)) && names.ips.every((a) => has.ips.includes(a));
}
