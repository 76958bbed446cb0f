import net from 'node:net';
import { normalizeDnsName, normalizeIp, publicUrlHost } from '../tls/certificate-names.js';
import type { CertificateStatus } from '../tls/types.js';
import type { AdminSettings, Warning } from './api.js';

/** A certificate that ends within this many days is warned about (issue 13, item 3). */
const CERTIFICATE_WARN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface TlsFacts {
  /** The certificate the running sync port presents; null when it speaks plain HTTP or is stopped. */
  certificate: CertificateStatus | null;
  now: number;
}

function hostOf(publicUrl: string): { scheme: string; host: string } | null {
  try {
    const url = new URL(publicUrl);
    const host = publicUrlHost(publicUrl);
    return host === null ? null : { scheme: url.protocol, host };
  } catch {
    return null; // computeWarnings says what is wrong with it
  }
}

/** One spelling per name, as the certificate sources write their left-out names. */
function sameName(a: string, b: string): boolean {
  const spell = (name: string) => (net.isIP(name) ? normalizeIp(name) : normalizeDnsName(name));
  return spell(a) === spell(b);
}

/**
 * The public URL says http:// while the port speaks HTTPS: one wording for the dashboard's
 * warning and the CLI's start-up line (config-warnings.ts).
 */
export function httpPublicUrlWithHttps(publicUrl: string): { message: string; hint: string } {
  return {
    message: `The public URL ${publicUrl} starts with http://, but Foxden's port speaks HTTPS: clients told to use it get a "plain HTTP is refused" answer.`,
    hint: `Change the public URL to https://${publicUrl.replace(/^http:\/\//i, '')}.`,
  };
}

/**
 * What about HTTPS will surprise the owner, in plain words: the public URL and the port
 * disagreeing about https, a name clients use that the certificate does not hold, an end date
 * near or past, a reload that failed. Pure, like computeWarnings.
 */
export function tlsWarnings(
  settings: Pick<AdminSettings, 'https' | 'publicUrl' | 'behindProxy'>,
  facts: TlsFacts | null | undefined,
): Warning[] {
  const out: Warning[] = [];
  const url = hostOf(settings.publicUrl);
  const speaksHttps = settings.https !== 'off';
  if (url?.scheme === 'http:' && speaksHttps) {
    out.push({
      code: 'public-url-http-with-https',
      severity: 'error',
      ...httpPublicUrlWithHttps(settings.publicUrl),
    });
  }
  if (url?.scheme === 'https:' && !speaksHttps && !settings.behindProxy) {
    out.push({
      code: 'public-url-https-without-tls',
      severity: 'error',
      message: `The public URL ${settings.publicUrl} starts with https://, but Foxden's port speaks plain HTTP and no reverse proxy is set: clients cannot connect.`,
      hint: 'Turn HTTPS on in Settings, or turn on "Behind a reverse proxy" if one serves HTTPS for Foxden, or change the public URL to http://.',
    });
  }

  const certificate = facts?.certificate;
  if (!certificate || !facts) return out;
  if (certificate.problem) {
    out.push({
      code: 'certificate-reload-failed',
      severity: 'warning',
      // The sources' lines say which certificate is served meanwhile.
      message: `HTTPS certificate: ${certificate.problem}`,
      hint:
        certificate.mode === 'files'
          ? 'Check that the certificate and key files are readable by Foxden and belong together.'
          : 'Check that the data folder is writable; Foxden tries again by itself.',
    });
  }
  // Behind a proxy, clients see the proxy's certificate, not this one. The sources name the
  // public URL's host among the left-out names when their certificate does not hold it.
  const missing =
    url?.scheme === 'https:' && !settings.behindProxy
      ? certificate.leftOut.find((left) => sameName(left.name, url.host))
      : undefined;
  if (url && missing) {
    out.push({
      code: 'certificate-name-missing',
      severity: 'error',
      message: `Clients reach Foxden as ${url.host}, but the certificate is only for ${certificate.names.join(', ') || 'no names'}: browsers will refuse it (${missing.reason}).`,
      hint:
        certificate.mode === 'files'
          ? `Use a certificate that names ${url.host}, or a public URL with a name the certificate holds.`
          : `Use a public URL with one of the certificate's names, e.g. https://${certificate.names[0] ?? 'this-computer.local'}/.`,
    });
  }
  const notAfter = Date.parse(certificate.notAfter);
  if (Number.isFinite(notAfter)) {
    const daysLeft = Math.floor((notAfter - facts.now) / DAY_MS);
    const renewsItself = certificate.mode === 'auto';
    if (notAfter <= facts.now) {
      out.push({
        code: 'certificate-expired',
        severity: 'error',
        message: `The certificate expired on ${certificate.notAfter.slice(0, 10)}: browsers refuse to connect.`,
        hint: renewsItself
          ? 'Restart Foxden to issue a new one; if that does not help, see the log.'
          : 'Renew it, and put the new files in place of the old ones: Foxden reloads them by itself.',
      });
    } else if (daysLeft < CERTIFICATE_WARN_DAYS) {
      out.push({
        code: 'certificate-expiring',
        severity: 'warning',
        message: `The certificate expires on ${certificate.notAfter.slice(0, 10)}, in ${daysLeft === 1 ? '1 day' : `${daysLeft} days`}.`,
        hint: renewsItself
          ? 'Foxden renews it by itself before then; if this stays, see the log.'
          : 'Renew it and put the new files in place of the old ones: Foxden reloads them by itself.',
      });
    }
  }
  return out;
}
