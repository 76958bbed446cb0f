import type crypto from 'node:crypto';
import { normalizeDnsName, normalizeIp, type NameSet } from './certificate-names.js';
import { x509 } from './x509-library.js';

/** What a served certificate says about itself, as CertificateStatus shows it. */
export interface CertificateDescription {
  /** DNS names, then IP addresses, from its subjectAltName. */
  names: string[];
  nameSet: NameSet;
  notBefore: string;
  notAfter: string;
  notAfterMs: number;
  fingerprint256: string;
}

/** Describes the first (leaf) certificate of a PEM chain. */
export function describeCertificate(leaf: crypto.X509Certificate): CertificateDescription {
  const nameSet = subjectAltNames(leaf);
  return {
    names: [...nameSet.dns, ...nameSet.ips],
    nameSet,
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    notAfterMs: Date.parse(leaf.validTo),
    fingerprint256: leaf.fingerprint256,
  };
}

/** The DNS names and IP addresses of a certificate's subjectAltName, normalized for comparing. */
export function subjectAltNames(leaf: crypto.X509Certificate): NameSet {
  const extension = new x509.X509Certificate(leaf.raw).getExtension(x509.SubjectAlternativeNameExtension);
  const dns: string[] = [];
  const ips: string[] = [];
  for (const name of extension?.names.items ?? []) {
    if (name.type === 'dns') dns.push(normalizeDnsName(name.value));
    else if (name.type === 'ip') ips.push(normalizeIp(name.value));
  }
  return { dns, ips };
}

/** Each certificate in PEM text, in order (the leaf first in a chain). */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}
