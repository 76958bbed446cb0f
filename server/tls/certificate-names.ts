import net from 'node:net';
import type os from 'node:os';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/** Host names and IP addresses, each list lower-case, without duplicates, sorted. */
export interface NameSet {
  dns: string[];
  ips: string[];
}

export interface NameSources {
  publicUrl: string;
  hostname: string;
  interfaces: Interfaces;
}

/** A name Foxden wanted but cannot put in a certificate, with the plain reason. */
export interface LeftOutName {
  name: string;
  reason: string;
}

/**
 * Every name and address a client may use for this server: the public URL's host, the
 * machine's host name and its mDNS (.local) name, its home-network addresses and loopback.
 * Left out here already: names no certificate can hold (see isCertificateDnsName) and
 * addresses clients cannot type into a URL or that do not last: IPv6 link-local (they need a
 * %scope) and global IPv6 (privacy extensions replace them every day or so, and LAN clients
 * reach the machine through IPv4, a ULA or its names anyway).
 */
export function wantedNames(sources: NameSources): { wanted: NameSet; leftOut: LeftOutName[] } {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const leftOut: LeftOutName[] = [];
  const addName = (name: string): void => {
    const normal = normalizeDnsName(name);
    if (normal === '') return;
    if (isCertificateDnsName(normal)) dns.add(normal);
    else
      leftOut.push({
        name,
        reason: 'not a name a certificate can hold (only letters, digits, hyphens and dots)',
      });
  };

  const host = publicUrlHost(sources.publicUrl);
  if (host !== null) {
    if (net.isIP(host)) ips.add(normalizeIp(host));
    else addName(host);
  }
  const hostname = normalizeDnsName(sources.hostname);
  if (hostname !== '') {
    addName(hostname);
    const first = hostname.split('.')[0] ?? '';
    if (first !== '' && !hostname.endsWith('.local')) addName(`${first}.local`);
  }
  for (const entries of Object.values(sources.interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv6' && !isUniqueLocalIpv6(entry.address)) continue;
      ips.add(normalizeIp(entry.address));
    }
  }
  return { wanted: { dns: [...dns].sort(), ips: [...ips].sort() }, leftOut: dedupe(leftOut) };
}

/** The host of a URL as a bare name or address (IPv6 without brackets), or null if unparsable. */
export function publicUrlHost(publicUrl: string): string | null {
  try {
    const host = new URL(publicUrl).hostname;
    if (host === '') return null;
    return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  } catch {
    return null;
  }
}

export function normalizeDnsName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** One spelling per address, so the names read from a certificate compare with wanted ones. */
export function normalizeIp(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (net.isIPv4(bare)) return bare;
  if (!net.isIPv6(bare)) return bare.toLowerCase();
  // The URL parser writes IPv6 in its canonical compressed form (RFC 5952).
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/**
 * Letters, digits and inner hyphens per label, at most 63 per label and 253 in all: what
 * Firefox accepts in a certificate's dNSName (one name it refuses fails the whole certificate).
 */
export function isCertificateDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253 || net.isIP(name)) return false;
  return name.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}

function isUniqueLocalIpv6(address: string): boolean {
  return /^f[cd][0-9a-f]{2}:/i.test(address);
}

function dedupe(names: LeftOutName[]): LeftOutName[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    if (seen.has(n.name)) return false;
    seen.add(n.name);
    return true;
  });
}
