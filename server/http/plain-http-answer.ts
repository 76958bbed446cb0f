import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerCaCertificate, CA_CERTIFICATE_PATH } from './ca-certificate.js';

/**
 * What plain HTTP sent to the HTTPS port gets (issue 13): never a hang, never a redirect (a
 * browser sent to https:// before it trusts the household CA only meets a certificate
 * warning), but
 * - a browser: a small page linking to the same path on the https URL and to /ca.crt (the
 *   fingerprint to compare is not on it: plain HTTP can be changed on the way);
 * - a sync client: a 400 in the FxA error shape, whose message lands in the client's log;
 * - /ca.crt itself, which a device must be able to fetch before it trusts the CA.
 */
export interface PlainHttpAnswerOptions {
  /** The URL clients use (its scheme is made https here if it is not already). */
  publicUrl: () => string;
  /** The household CA (`auto`), or null (the owner's own files: there is nothing to import). */
  ca: () => { pem: string } | null;
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

/**
 * The path and query a request asked for, or null when its target cannot be read (Node's
 * parser lets through absolute-form targets such as `http://[` that URL refuses). An
 * origin-form target is read below a fixed origin, so `//host` stays a path.
 */
export function requestedPath(requestUrl: string | undefined): { pathname: string; search: string } | null {
  const target = requestUrl ?? '/';
  try {
    const asked = target.startsWith('/') ? new URL(`http://request.invalid${target}`) : new URL(target);
    return { pathname: asked.pathname, search: asked.search };
  } catch {
    return null;
  }
}

/**
 * The public URL with https as its scheme, then the path asked for below its own path. Built
 * by joining strings, never by resolving the path against the URL: whatever was asked
 * (`/https://elsewhere/`, `//host`, `/javascript:…`) ends up as a path under the public URL.
 */
export function httpsUrlFor(publicUrl: string, asked: { pathname: string; search: string }): string {
  const base = new URL(publicUrl);
  if (base.protocol === 'http:') base.protocol = 'https:';
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  // URL has percent-encoded the path and query already; only leading slashes would make a host.
  return `${base.origin}${prefix}${asked.pathname.replace(/^\/+/, '')}${asked.search}`;
}

function wantsPage(req: IncomingMessage): boolean {
  const method = req.method ?? '';
  return (method === 'GET' || method === 'HEAD') && /\btext\/html\b/i.test(req.headers.accept ?? '');
}

function page(httpsUrl: string, hasCa: boolean, caUrl: string): string {
  const link = escapeHtml(httpsUrl);
  // No fingerprint here: this page comes over plain HTTP, so whoever could swap the file could
  // swap a number printed beside it too. The one to compare comes from the owner's own view.
  const caPart = hasCa
    ? `<p>The first time on this device, it needs Foxden's household certificate authority:
<a href="${escapeHtml(caUrl)}">download ca.crt</a>. Before you trust it, check that its SHA-256
fingerprint is the one the Foxden dashboard's Setup view (or <code>foxden setup-info</code> on the
server) shows; if they differ, do not trust it. The Setup view shows how on each browser.</p>
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

/** How much of a refused request's body is read first, so its client sees the answer, not a reset. */
const DISCARDED_BODY_CAP = 64 * 1024;

/**
 * Calls `answer` once the request's body has been read and thrown away, or at once when it has
 * none. A body past the cap is answered at that point and the connection closed after the
 * answer (Connection: close): a client still sending may then see a reset.
 */
function afterBody(req: IncomingMessage, answer: () => void): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) {
    answer();
    return;
  }
  let answered = false;
  const once = () => {
    if (answered) return;
    answered = true;
    answer();
  };
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > DISCARDED_BODY_CAP) once();
  });
  req.on('end', once);
}

function caPathBelow(publicUrl: string): string {
  const prefix = new URL(publicUrl).pathname;
  return `${prefix.endsWith('/') ? prefix : `${prefix}/`}ca.crt`;
}

function answerUnreadable(res: ServerResponse): void {
  res.statusCode = 400;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Bad Request: this Foxden speaks HTTPS, and the request line could not be read.\n');
}

/** The request listener of the plain-HTTP side of the TLS port. */
export function plainHttpAnswer(
  options: PlainHttpAnswerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Each answer is the last on its connection: whoever asks next comes back over https.
    res.setHeader('Connection', 'close');
    res.setHeader('Cache-Control', 'no-store');
    afterBody(req, () => answer(options, req, res));
  };
}

function answer(options: PlainHttpAnswerOptions, req: IncomingMessage, res: ServerResponse): void {
  const asked = requestedPath(req.url);
  if (asked === null) {
    answerUnreadable(res);
    return;
  }
  // Also below the public URL's path prefix, where the setup help's address (trust-ca-help.ts) points.
  if (asked.pathname === CA_CERTIFICATE_PATH || asked.pathname === caPathBelow(options.publicUrl())) {
    answerCaCertificate(req.method, options.ca()?.pem ?? null, res);
    return;
  }
  if (wantsPage(req)) {
    // Relative, so it stays plain HTTP: the device cannot fetch it over HTTPS before it trusts the CA.
    const body = page(httpsUrlFor(options.publicUrl(), asked), options.ca() !== null, CA_CERTIFICATE_PATH);
    res.statusCode = 400;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.end(body);
    return;
  }
  const base = httpsUrlFor(options.publicUrl(), { pathname: '/', search: '' });
  const body = JSON.stringify({
    code: 400,
    errno: 999,
    error: 'Bad Request',
    message: `This Foxden speaks HTTPS: use ${base} (plain HTTP is refused)`,
  });
  res.statusCode = 400;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(body);
}
