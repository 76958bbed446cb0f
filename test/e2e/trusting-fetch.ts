// A fetch for the real-Firefox tests that trusts exactly one certificate authority: Node 20's
// global fetch reads its trust store once at start-up (NODE_EXTRA_CA_CERTS) and takes no `ca`,
// and a household CA created by the server under test exists only after the test has started.
import https from 'node:https';

/** The part of fetch the tests use: method, headers and a string body in, a real Response out. */
export type Fetch = (
  url: string | URL,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<Response>;

const ANSWER_TIMEOUT_MS = 30_000;

/** http: URLs go to the global fetch; https: URLs are verified against `caPem` alone. */
export function fetchTrusting(caPem: string): Fetch {
  return (url, init = {}) => {
    const target = new URL(url);
    if (target.protocol !== 'https:') return fetch(target, init);
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(
        target,
        { method: init.method ?? 'GET', headers: init.headers, ca: caPem, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const one of Array.isArray(value) ? value : [value ?? '']) headers.append(name, one);
            }
            const status = res.statusCode ?? 0;
            // A Response with a body cannot carry 204/304; the tests read neither.
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers }));
          });
        },
      );
      req.setTimeout(ANSWER_TIMEOUT_MS, () =>
        req.destroy(new Error(`${target.href}: no answer in ${ANSWER_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(init.body);
    });
  };
}
