import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';

/**
 * HTTP(S) requests to a proxy on 127.0.0.1 under the name `localhost`, trusting only the test's
 * throwaway certificate (`ca`). The request target is sent byte for byte as given: `new URL`
 * and fetch would keep `%2C`, but this module must not depend on that, since the escapes are
 * what the proxy test is about.
 */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The throwaway CA certificate (PEM); required for https. */
  ca?: string;
  timeoutMs?: number;
}

export interface SplitUrl {
  scheme: 'http' | 'https';
  /** `localhost:PORT` as the browser would send it in Host. */
  authority: string;
  port: number;
  /** The request target exactly as written in the URL string. */
  target: string;
}

export function splitUrl(url: string): SplitUrl {
  const m = /^(https?):\/\/(localhost|127\.0\.0\.1):(\d+)(\/[^#]*)?$/.exec(url);
  if (!m) throw new Error(`not a loopback URL with a port: ${url}`);
  return {
    scheme: m[1] as 'http' | 'https',
    authority: `${m[2]}:${m[3]}`,
    port: Number(m[3]),
    target: m[4] ?? '/',
  };
}

function answer(status: number, headers: http.IncomingHttpHeaders, body: Buffer): Answer {
  return {
    status,
    headers,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch {
        throw new Error(`not JSON (${status}): ${body.toString('utf8').slice(0, 300)}`);
      }
    },
  };
}

/** One HTTP/1.1 request over a fresh connection to 127.0.0.1, bounded by `timeoutMs`. */
export function request(url: string, o: RequestOptions = {}): Promise<Answer> {
  const u = splitUrl(url);
  const timeoutMs = o.timeoutMs ?? 15_000;
  const headers: Record<string, string> = { host: u.authority, ...o.headers };
  if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
  const common = {
    host: '127.0.0.1',
    port: u.port,
    method: o.method ?? 'GET',
    path: u.target,
    headers,
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(answer(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      res.on('error', reject);
    };
    const req =
      u.scheme === 'https'
        ? https.request({ ...common, servername: 'localhost', ca: requireCa(o.ca) }, onResponse)
        : http.request(common, onResponse);
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${common.method} ${url}: no answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

function requireCa(ca: string | undefined): string {
  if (!ca) throw new Error('an https request needs the test certificate as ca');
  return ca;
}

/** One request over HTTP/2 (as browsers speak to the proxy), bounded by `timeoutMs`. */
export function requestH2(
  url: string,
  o: RequestOptions & { ca: string },
): Promise<Answer & { alpn: string }> {
  const u = splitUrl(url);
  const timeoutMs = o.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let alpn = '';
    const session = http2.connect(`https://${u.authority}`, {
      createConnection: () => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: u.port,
          servername: 'localhost',
          ca: o.ca,
          ALPNProtocols: ['h2'],
        });
        socket.once('secureConnect', () => (alpn = socket.alpnProtocol || ''));
        return socket;
      },
    });
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`HTTP/2 ${url}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    };
    session.on('error', fail);
    const stream = session.request({
      ':method': o.method ?? 'GET',
      ':path': u.target,
      ...o.headers,
    });
    let status = 0;
    let headers: http.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h as http.IncomingHttpHeaders;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', fail);
    stream.on('end', () => {
      clearTimeout(timer);
      session.close();
      resolve({ ...answer(status, headers, Buffer.concat(chunks)), alpn });
    });
    stream.end(o.body);
  });
}
