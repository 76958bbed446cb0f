import net from 'node:net';
import type { CertificateStatus } from '../tls/types.js';
import type { AdminSettings, Warning } from './api.js';

/** A certificate that ends within this many days is warned about (issue 13, item 3). */
export const CERTIFICATE_WARN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface TlsFacts {
  /** The certificate the running sync port presents; null when it speaks plain HTTP or is stopped. */
  certificate: CertificateStatus | null;
  now: number;
}

/** An address as certificates write it: no brackets, lower case, IPv6 in its shortest form. */
function canonicalName(name: string): string {
  const bare = name
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  if (net.isIPv6(bare)) {
    // new URL() writes an IPv6 address in its shortest form; the certificate's names come from Node.
    return new URL(`http://[${bare}]/`).hostname.replace(/^\[|\]$/g, '');
  }
  return bare;
}

/** Whether a certificate written for `names` is valid for `host` (a `*.` name covers one label). */
export function certificateCovers(names: readonly string[], host: string): boolean {
  const wanted = canonicalName(host);
  return names.some((raw) => {
    const name = canonicalName(raw);
    if (name === wanted) return true;
    if (!name.startsWith('*.') || net.isIP(wanted)) return false;
    const dot = wanted.indexOf('.');
    return dot > 0 && wanted.slice(dot + 1) === name.slice(2);
  });
}

function hostOf(publicUrl: string): { scheme: string; host: string } | null {
  try {
    const url = new URL(publicUrl);
    return { scheme: url.protocol, host: url.hostname };
  } catch {
    return null; // computeWarnings says what is wrong with it
  }
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
      message: `The public URL ${settings.publicUrl} starts with http://, but Foxden's port speaks HTTPS: clients told to use it cannot connect.`,
      hint: `Change the public URL to https://${settings.publicUrl.replace(/^http:\/\//i, '')}.`,
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
      message: `The certificate could not be renewed or reloaded: ${certificate.problem} The previous certificate is still served.`,
      hint:
        certificate.mode === 'files'
          ? 'Check that the certificate and key files are readable by Foxden and belong together.'
          : 'Check that the data folder is writable; Foxden tries again by itself.',
    });
  }
  // Behind a proxy, clients see the proxy's certificate, not this one.
  if (
    url &&
    url.scheme === 'https:' &&
    !settings.behindProxy &&
    !certificateCovers(certificate.names, url.host)
  ) {
    const why = certificate.leftOut.find((left) => canonicalName(left.name) === canonicalName(url.host));
    out.push({
      code: 'certificate-name-missing',
      severity: 'error',
      message: `Clients reach Foxden as ${url.host}, but the certificate is only for ${certificate.names.join(', ') || 'no names'}: browsers will refuse it.${why ? ` ${why.reason}` : ''}`,
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
