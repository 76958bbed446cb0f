import type { TrustCaHelp } from './api.js';

/**
 * Where a device downloads the household CA: the sync port answers `/ca.crt` over plain HTTP
 * as well, so a device that does not trust the CA yet gets it without a certificate warning
 * to click through. The public URL's host, port and path prefix, with http as the scheme (and
 * the port written out: the https default 443 is not http's).
 */
function plainCaUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const prefix = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `http://${url.hostname}:${port}${prefix}ca.crt`;
}

/**
 * What each device does once so that its browser trusts Foxden's household certificate
 * authority (issue 13, item 2): download the CA certificate, compare its fingerprint, import
 * it. The same words for the dashboard's Setup view and `foxden setup-info`.
 */
export function trustCaHelp(publicUrl: string, fingerprint256: string | null): TrustCaHelp {
  const caUrl = plainCaUrl(publicUrl);
  // The number itself is shown once, above the steps (fingerprint256), not in each list. It
  // comes from the owner's own view, not from the download: plain HTTP can be changed on the way.
  const compare = fingerprint256
    ? 'Compare its SHA-256 fingerprint with the one above before trusting it; if they differ, do not import it.'
    : 'Compare its SHA-256 fingerprint with the one shown here once Foxden has started with HTTPS; if they differ, do not import it.';
  const download = `Download ${caUrl}.`;
  return {
    caUrl,
    fingerprint256,
    firefoxDesktopSteps: [
      `Open ${caUrl} in Firefox: it asks whether to trust this certificate authority.`,
      `Click View and ${compare.charAt(0).toLowerCase()}${compare.slice(1)}`,
      'Tick “Trust this CA to identify websites” and click OK.',
      'Or download the file and import it: in Firefox open Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import, choose the downloaded ca.crt, and tick “Trust this CA to identify websites”.',
      'Or add it to the operating system’s certificate store instead, then set security.enterprise_roots.enabled to true in about:config so Firefox uses that store.',
    ],
    androidSteps: [
      download,
      compare,
      'In Android Settings open Security → Encryption & credentials → Install a certificate → CA certificate, and choose the downloaded ca.crt.',
      'In Firefox open Settings → About Firefox and tap the Firefox logo 5 times to unlock the secret settings.',
      'Go back to Settings and turn on “Use third party CA certificates” (near the bottom).',
    ],
    paleMoonSteps: [
      download,
      compare,
      'In Pale Moon open Preferences → Advanced → Certificates → View Certificates → Authorities → Import, and choose the downloaded ca.crt.',
      'Tick “Trust this CA to identify websites” and click OK.',
    ],
  };
}
