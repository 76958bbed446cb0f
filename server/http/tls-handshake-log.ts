import type { TlsMode } from '../tls/types.js';

/** One line per device and reason at most this often: a device retrying every second stays one line. */
const REPEAT_AFTER_MS = 10 * 60 * 1000;
/**
 * Devices and reasons remembered at once. A flood from many addresses fills it and then goes
 * unlogged until entries age out, so the log never grows faster than this per ten minutes.
 */
const MAX_REMEMBERED = 256;

export interface HandshakeFailure {
  /** A short key for the rate limit ("untrusted", "version", ...). */
  reason: string;
  /** The plain sentence, the device's address already in it. */
  line: string;
}

/** An OpenSSL error as Node raises it: `code` ERR_SSL_…, `reason` in OpenSSL's words. */
type TlsError = Error & { code?: string; reason?: string };

/** The alert name OpenSSL reports (`tlsv1 alert unknown ca`, `sslv3 alert bad certificate`). */
function alertOf(err: TlsError): string | null {
  const text = (err.reason ?? err.message).toLowerCase();
  const match = /(?:sslv3|tlsv1|tlsv13) alert ([a-z ]+)/.exec(text);
  if (!match?.[1]) return null;
  return match[1].trim().replace(/\bca\b/, 'CA');
}

/** Alerts a client sends when it does not accept the certificate it was shown. */
const REJECTS_CERTIFICATE = new Set([
  'unknown CA',
  'bad certificate',
  'certificate unknown',
  'unsupported certificate',
  'certificate revoked',
  'access denied',
  'decrypt error',
]);

/**
 * What a failed TLS handshake means, in words the owner can act on. `mode` decides the
 * advice for an untrusted certificate: import the household CA, or check the owner's files.
 */
function describeHandshakeFailure(err: Error, address: string, mode: TlsMode): HandshakeFailure {
  const e = err as TlsError;
  const device = `the device at ${address}`;
  const alert = alertOf(e);
  const code = e.code ?? '';
  if (alert && REJECTS_CERTIFICATE.has(alert)) {
    const advice =
      mode === 'auto'
        ? 'import the household CA on it (Setup help shows how, and the fingerprint to compare)'
        : 'check that the certificate file holds the whole chain and that the device trusts the CA that issued it';
    return {
      reason: 'untrusted',
      line: `${device} does not trust Foxden's certificate (TLS alert: ${alert}): ${advice}.`,
    };
  }
  if (alert === 'certificate expired') {
    return {
      reason: 'expired',
      line: `${device} says Foxden's certificate has expired (TLS alert: certificate expired): check the device's date and time, and the certificate's expiry in Status.`,
    };
  }
  if (
    alert === 'protocol version' ||
    /UNSUPPORTED_PROTOCOL|WRONG_VERSION_NUMBER|VERSION_TOO_LOW|UNKNOWN_PROTOCOL/.test(code)
  ) {
    return {
      reason: 'version',
      line: `${device} offered an older TLS version than Foxden accepts (TLS 1.2 or newer): update its browser or system.`,
    };
  }
  if (alert === 'handshake failure' || /NO_SHARED_CIPHER|NO_SUITABLE|NO_SHARED_GROUP/.test(code)) {
    return {
      reason: 'cipher',
      line: `${device} and Foxden have no TLS cipher in common${alert ? ` (TLS alert: ${alert})` : ''}: update its browser or system.`,
    };
  }
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
    return {
      reason: 'timeout',
      line: `${device} started a TLS connection but did not finish the handshake in time; the connection was closed.`,
    };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return {
      reason: 'closed',
      line: `${device} closed the connection during the TLS handshake (a device that does not trust Foxden's certificate may do this without saying why).`,
    };
  }
  const what = alert ? `TLS alert: ${alert}` : (e.reason ?? e.message).trim() || code || 'no reason given';
  return { reason: `other:${alert ?? code}`, line: `The TLS handshake with ${device} failed (${what}).` };
}

/** An IPv4 client of a dual-stack listener appears as ::ffff:192.168.1.5; it is shown as 192.168.1.5. */
function shownAddress(address: string | undefined): string {
  if (!address) return 'an unknown address';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Says each failed TLS handshake once per device and reason per ten minutes (a bounded map of
 * when each pair was last said), so a device that keeps retrying, or a flood, cannot flood
 * the log.
 */
export function tlsHandshakeLog(options: {
  mode: () => TlsMode;
  say: (line: string, address: string) => void;
  clock?: () => number;
}): (err: Error, address: string | undefined) => void {
  const clock = options.clock ?? Date.now;
  const lastSaid = new Map<string, number>();
  return (err, address) => {
    const shown = shownAddress(address);
    const failure = describeHandshakeFailure(err, shown, options.mode());
    const key = `${shown} ${failure.reason}`;
    const now = clock();
    const previous = lastSaid.get(key);
    if (previous !== undefined && now - previous < REPEAT_AFTER_MS) return;
    if (previous === undefined && lastSaid.size >= MAX_REMEMBERED) {
      for (const [k, at] of lastSaid) if (now - at >= REPEAT_AFTER_MS) lastSaid.delete(k);
      if (lastSaid.size >= MAX_REMEMBERED) return;
    }
    // Re-inserted so the map's order stays oldest first.
    lastSaid.delete(key);
    lastSaid.set(key, now);
    options.say(failure.line, shown);
  };
}
