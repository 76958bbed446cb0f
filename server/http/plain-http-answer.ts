import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerCaCertificate, CA_CERTIFICATE_PATH } from './ca-certificate.js';

/**
 * What plain HTTP sent to the HTTPS port gets (issue 13): never a hang, never a redirect (a
 * browser sent to https:// before it trusts the household CA only meets a certificate
 * warning), but
 * - a browser: a small page linking to the same path on the https URL and to /ca.crt, with
 *   the CA's fingerprint to compare before trusting it;
 * - a sync client: a 400 in the FxA error shape, whose message lands in the client's log;
 * - /ca.crt itself, which a device must be able to fetch before it trusts the CA.
 */
export interface PlainHttpAnswerOptions {
  /** The URL clients use (its scheme is made https here if it is not already). */
  publicUrl: () => string;
  /** The household CA (`auto`), or null (the owner's own files: there is nothing to import). */
  ca: () => { pem: string; fingerprint256: string } | null;
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;color:#222}' +
  'code{word-break:break-all;background:#f3f3f3;padding:0 .2em}';
/** Only this inline style may run: no script, no other resource, nothing framed. */
const CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** The public URL with https as its scheme; the path of the request below it. */
export function httpsUrlFor(publicUrl: string, requestUrl: string | undefined): string {
  const base = new URL(publicUrl);
  if (base.protocol === 'http:') base.protocol = 'https:';
  // Only the path and query of what was asked (an absolute-form request line names no host here).
  const asked = new URL(requestUrl ?? '/', 'http://request.invalid');
  const relative = `${asked.pathname.replace(/^\/+/, '')}${asked.search}`;
  return new URL(relative, base.href.endsWith('/') ? base.href : `${base.href}/`).href;
}

function wantsPage(req: IncomingMessage): boolean {
  const method = req.method ?? '';
  return (method === 'GET' || method === 'HEAD') && /\btext\/html\b/i.test(req.headers.accept ?? '');
}

function page(httpsUrl: string, ca: { fingerprint256: string } | null, caUrl: string): string {
  const link = escapeHtml(httpsUrl);
  const caPart = ca
    ? `<p>The first time on this device, it needs Foxden's household certificate authority:
<a href="${escapeHtml(caUrl)}">download ca.crt</a> and check that its SHA-256 fingerprint is
<code>${escapeHtml(ca.fingerprint256)}</code>, as the Foxden dashboard shows it, before you trust it
(the dashboard's Setup help shows how on each browser).</p>
`
    : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Foxden speaks HTTPS</title><style>${STYLE}</style></head>
<body>
<h1>This Foxden speaks HTTPS</h1>
<p>Plain HTTP is refused here. Use <a href="${link}">${link}</a>.</p>
${caPart}</body>
</html>
`;
}

/** The request listener of the plain-HTTP side of the TLS port. */
export function plainHttpAnswer(
  options: PlainHttpAnswerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Each answer is the last on its connection: whoever asks next comes back over https.
    res.setHeader('Connection', 'close');
    res.setHeader('Cache-Control', 'no-store');
    const httpsUrl = httpsUrlFor(options.publicUrl(), req.url);
    const path = new URL(req.url ?? '/', 'http://request.invalid').pathname;
    if (path === CA_CERTIFICATE_PATH) {
      answerCaCertificate(req.method, options.ca()?.pem ?? null, res);
      return;
    }
    if (wantsPage(req)) {
      // Relative, so it stays plain HTTP: the device cannot fetch it over HTTPS before it trusts the CA.
      const body = page(httpsUrl, options.ca(), CA_CERTIFICATE_PATH);
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.end(body);
      return;
    }
    const base = httpsUrlFor(options.publicUrl(), '/');
    const body = JSON.stringify({
      code: 400,
      errno: 999,
      error: 'Bad Request',
      message: `This Foxden speaks HTTPS: use ${base} (plain HTTP is refused)`,
    });
    res.statusCode = 400;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(body);
  };
}
