import type { TrustCaHelp } from './api.js';

/**
 * What each device does once so that its browser trusts Foxden's household certificate
 * authority (issue 13, item 2): download the CA certificate, compare its fingerprint, import
 * it. The same words for the dashboard's Setup view and `foxden setup-info`.
 */
export function trustCaHelp(publicUrl: string, fingerprint256: string | null): TrustCaHelp {
  const caUrl = `${publicUrl}ca.crt`;
  // The number itself is shown once, above the steps (fingerprint256), not in each list.
  const compare = fingerprint256
    ? 'Compare its SHA-256 fingerprint with the one above before trusting it; if they differ, do not import it.'
    : 'Compare its SHA-256 fingerprint with the one shown here once Foxden has started with HTTPS; if they differ, do not import it.';
  // Before the CA is trusted, the browser warns about the https address: expected, once.
  const download = `Download ${caUrl} (the browser warns that the connection is not trusted yet: that is expected before this step).`;
  return {
    caUrl,
    fingerprint256,
    firefoxDesktopSteps: [
      download,
      compare,
      'In Firefox open Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import, and choose the downloaded ca.crt.',
      'Tick “Trust this CA to identify websites” and click OK.',
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
