import type { ServerResponse } from 'node:http';

/** Where the household CA certificate is downloaded from, over HTTPS and plain HTTP alike. */
export const CA_CERTIFICATE_PATH = '/ca.crt';

/**
 * The household CA certificate (PEM) as a download. This content type makes Firefox open its
 * "trust this certificate authority" dialog instead of saving the file. No CA (plain HTTP
 * only, or the owner's own certificate files): 404, as for any path Foxden does not serve.
 */
export function answerCaCertificate(
  method: string | undefined,
  pem: string | null,
  res: ServerResponse,
): void {
  if (pem === null || (method !== 'GET' && method !== 'HEAD')) {
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Not Found');
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/x-x509-ca-cert');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(pem);
}
