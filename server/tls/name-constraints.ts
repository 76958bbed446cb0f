import net from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  NameConstraints,
  id_ce_nameConstraints,
} from '@peculiar/asn1-x509';
import { isCertificateDnsName, normalizeDnsName, publicUrlHost } from './certificate-names.js';
import { x509 } from './x509-library.js';

/**
 * The names a household CA may vouch for, written into it as a critical NameConstraints
 * extension (RFC 5280 4.2.1.10), which Firefox (mozilla::pkix) and OpenSSL enforce: a
 * household CA trusted on a phone can then never be used to impersonate a bank, even if its
 * key is stolen from the data directory.
 */
export interface HouseholdConstraints {
  /** DNS subtrees: each name and everything under it. */
  dns: string[];
  /** Address ranges as CIDR. */
  ips: string[];
}

/** Suffixes households use for their machines; none can be registered on the public Internet. */
const HOUSEHOLD_DNS_SUFFIXES = ['localhost', 'local', 'lan', 'home', 'home.arpa', 'internal', 'localdomain'];

/** Loopback, private (RFC 1918), link-local, CGNAT (Tailscale uses it), IPv6 ULA and link-local. */
const HOUSEHOLD_IP_RANGES = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

/**
 * The constraints for a CA made now. Besides the household suffixes: the machine's full host
 * name (it and the names under it, never its parent domain: a host called
 * `pc.example.com` must not make the CA good for all of example.com), and the public URL's
 * host when it is a DNS name (a name the owner chose, e.g. a dynamic-DNS one). Either only
 * when it names one machine (see namesOneMachine): a subtree is the name and all below it.
 */
export function householdConstraints(hostname: string, publicUrl: string): HouseholdConstraints {
  const dns = new Set(HOUSEHOLD_DNS_SUFFIXES);
  const extra = [normalizeDnsName(hostname), normalizeDnsName(publicUrlHost(publicUrl) ?? '')];
  for (const name of extra) {
    if (
      isCertificateDnsName(name) &&
      namesOneMachine(name) &&
      !permitsDns({ dns: [...dns], ips: [] }, name)
    ) {
      dns.add(name);
    }
  }
  return { dns: [...dns], ips: [...HOUSEHOLD_IP_RANGES] };
}

/**
 * Whether a DNS name is narrow enough to become a subtree of the CA: under a household suffix,
 * or at least three labels and not `www.` in front of a registered domain. `example.com` or
 * `www.example.com` would make the CA good for a whole domain (`www.` is that domain's site),
 * and a bare `dev` for the whole .dev top-level domain.
 */
function namesOneMachine(name: string): boolean {
  const normal = normalizeDnsName(name);
  if (permitsDns({ dns: HOUSEHOLD_DNS_SUFFIXES, ips: [] }, normal)) return true;
  const labels = normal.split('.');
  return labels.length >= 3 && !(labels.length === 3 && labels[0] === 'www');
}

export function nameConstraintsExtension(constraints: HouseholdConstraints): x509.Extension {
  const subtrees = [
    ...constraints.dns.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
    ...constraints.ips.map((iPAddress) => new GeneralSubtree({ base: new GeneralName({ iPAddress }) })),
  ];
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }),
  );
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** The permitted subtrees written in a CA certificate; null when it has no NameConstraints. */
export function readNameConstraints(ca: x509.X509Certificate): HouseholdConstraints | null {
  const extension = ca.extensions.find((e) => e.type === id_ce_nameConstraints);
  if (!extension) return null;
  const parsed = AsnConvert.parse(extension.value, NameConstraints);
  const result: HouseholdConstraints = { dns: [], ips: [] };
  for (const subtree of parsed.permittedSubtrees ?? []) {
    if (subtree.base.dNSName !== undefined) result.dns.push(normalizeDnsName(subtree.base.dNSName));
    if (subtree.base.iPAddress !== undefined) result.ips.push(subtree.base.iPAddress);
  }
  return result;
}

/** Whether a DNS name lies in one of the subtrees (the name itself or a name under it). */
function permitsDns(constraints: HouseholdConstraints, name: string): boolean {
  const normal = normalizeDnsName(name);
  return constraints.dns.some((base) => normal === base || normal.endsWith(`.${base}`));
}

/** Whether an address lies in one of the CIDR ranges. */
function permitsIp(constraints: HouseholdConstraints, address: string): boolean {
  const bare = address.replace(/%.*$/, '');
  const family = net.isIPv4(bare) ? 'ipv4' : net.isIPv6(bare) ? 'ipv6' : null;
  if (family === null) return false;
  const list = new net.BlockList();
  for (const range of constraints.ips) {
    const [base = '', prefix = ''] = range.split('/');
    const rangeFamily = net.isIPv4(base) ? 'ipv4' : 'ipv6';
    if (rangeFamily === family) list.addSubnet(base, Number(prefix), rangeFamily);
  }
  return list.check(bare, family);
}

/** The reason shown for a wanted name the household CA may not vouch for. */
const OUTSIDE_CONSTRAINTS =
  'outside the names the household CA may vouch for; use your own certificate files for it';
/** The reason for a name that is a whole domain, which the household CA is never made good for. */
const WHOLE_DOMAIN =
  'a whole Internet domain, which the household CA is never allowed to vouch for (every name under it would be covered); use a name of one machine (e.g. sync.example.com) or your own certificate files';
/** The reason for a name without a dot: .dev, .app and the like are Internet top-level domains. */
const BARE_NAME =
  'a name without a dot could be an Internet top-level domain (such as dev or app), which the household CA is never allowed to vouch for; use its .local name or the address instead';

function outsideReason(name: string): string {
  if (net.isIP(name) || namesOneMachine(name)) return OUTSIDE_CONSTRAINTS;
  return name.includes('.') ? WHOLE_DOMAIN : BARE_NAME;
}

/**
 * Splits wanted names into those the CA may put in a certificate and those it may not: Firefox
 * refuses a whole certificate when a single name in it breaks the CA's constraints.
 */
export function withinConstraints(
  wanted: { dns: string[]; ips: string[] },
  constraints: HouseholdConstraints,
): { inside: { dns: string[]; ips: string[] }; outside: { name: string; reason: string }[] } {
  const outside = [
    ...wanted.dns.filter((n) => !permitsDns(constraints, n)),
    ...wanted.ips.filter((a) => !permitsIp(constraints, a)),
  ].map((name) => ({ name, reason: outsideReason(name) }));
  return {
    inside: {
      dns: wanted.dns.filter((n) => permitsDns(constraints, n)),
      ips: wanted.ips.filter((a) => permitsIp(constraints, a)),
    },
    outside,
  };
}
