import http from 'node:http';
import https from 'node:https';

/** A response read whole: the body as UTF-8 text. */
export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One `http.request` with its response body collected (node:http rather than fetch, for what
 * fetch will not do: a Host header, a local address, a chosen agent). With `options.timeout`,
 * a request that hears nothing for that long fails with `timeoutMessage`.
 */
export function httpRequest(
  url: string | URL,
  options: https.RequestOptions,
  body?: string,
  timeoutMessage = `request to ${String(url)} timed out`,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    // An https URL (a test server speaking HTTPS: FOXDEN_TEST_HTTPS=1) goes through node:https.
    const send = new URL(url).protocol === 'https:' ? https.request : http.request;
    const req = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(timeoutMessage)));
    req.on('error', reject);
    req.end(body);
  });
}
