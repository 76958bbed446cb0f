import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import express from 'express';
import type { Logger } from '../log.js';
import { closeGracefully, listenOn } from '../http/listen.js';
import { decodePathSegment } from '../http/url-parts.js';
import type { AdminApi, AdminErrorShape } from './api.js';
import { loadOrCreateAdminToken, tokensEqual } from './admin-token.js';
import { dispatch } from './dispatch.js';
import { defaultStaticDir } from './environment.js';
import { isLoopbackHost } from './settings.js';
import { isAdminMethod } from './validate.js';

/**
 * The loopback admin listener: the GUI in a browser (headless mode, browser tests) and any
 * script reach AdminService here. Defences, in order: the socket must be loopback, the Host
 * header must name this listener (DNS rebinding), an Origin must be our own (no CORS at all),
 * and every API call carries the token as a Bearer header (never in a URL).
 */

/** Loopback only, by design: there is no option to bind anything else. */
export const ADMIN_HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1024 * 1024;

export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': ADMIN_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const HTTP_STATUS: Record<AdminErrorShape['code'], number> = {
  'invalid-argument': 400,
  'not-found': 404,
  conflict: 409,
  io: 422,
  unavailable: 503,
  internal: 500,
};

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const bare = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (bare === '::1') return true;
  return net.isIPv4(bare) && bare.startsWith('127.');
}

export interface AdminHandlerOptions {
  service: AdminApi;
  token: string;
  /** The bound port, read per request (known only once listening). */
  port: () => number;
  staticDir: string;
  logger: Logger;
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  type: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, error: AdminErrorShape): void {
  send(res, status, JSON.stringify({ error }), 'application/json; charset=utf-8', {
    'Cache-Control': 'no-store',
  });
}

const readRawBody = express.raw({ type: () => true, limit: MAX_BODY_BYTES });

/**
 * The body as express.raw reads it (any content type; the caller checked it), or the answer
 * for one it refused: 413 when larger than MAX_BODY_BYTES, 400 for one it cannot read (a
 * bad Content-Encoding, an aborted upload). body-parser reads a refused body off first.
 */
function readBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | 400 | 413> {
  return new Promise((resolve, reject) => {
    readRawBody(req as express.Request, res as express.Response, (err?: unknown) => {
      if (err) {
        const { type, status } = err as { type?: unknown; status?: unknown };
        if (type === 'entity.too.large') resolve(413);
        else if (typeof status === 'number' && status < 500) resolve(400);
        else reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const body: unknown = (req as express.Request).body;
      resolve(Buffer.isBuffer(body) ? body : Buffer.alloc(0));
    });
  });
}

/**
 * A Host header naming this computer by a loopback name, on any port: `localhost`,
 * `127.x.x.x` or `[::1]`. Any port, because an SSH tunnel (`ssh -L 9000:127.0.0.1:8174`)
 * makes the browser send its own local port. Still proof against DNS rebinding: a rebinding
 * page keeps its own host name, and no outside domain can be called localhost or an address.
 */
function isLoopbackHostHeader(value: string): boolean {
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return false;
  if (m[2] !== undefined && Number(m[2]) > 65535) return false;
  return isLoopbackHost(m[1] as string);
}

/** Returns a refusal reason, or null when the request may proceed. */
function refuseForeign(req: http.IncomingMessage, port: number): { status: number; message: string } | null {
  // The socket, not a header: X-Forwarded-For and friends are the caller's to invent.
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    return { status: 403, message: 'The admin interface only answers this computer.' };
  }
  const host = (req.headers.host ?? '').toLowerCase();
  if (!isLoopbackHostHeader(host)) {
    return {
      status: 403,
      message: 'Unexpected Host header: open the dashboard at http://127.0.0.1:' + port + '/.',
    };
  }
  // An Origin must be the page's own: the host this request was sent to (through a tunnel,
  // its local port), or this listener's own address. Never another port's page.
  const origin = req.headers.origin?.toLowerCase();
  if (
    origin !== undefined &&
    origin !== `http://${host}` &&
    origin !== `http://127.0.0.1:${port}` &&
    origin !== `http://localhost:${port}`
  ) {
    return { status: 403, message: 'Requests from other web sites are refused.' };
  }
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    return { status: 403, message: 'Requests from other web sites are refused.' };
  }
  return null;
}

function bearerToken(req: http.IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match ? (match[1] as string) : null;
}

async function handleApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  options: AdminHandlerOptions,
): Promise<void> {
  const given = bearerToken(req);
  if (given === null || !tokensEqual(given, options.token)) {
    // Drain the body so the connection stays usable, then refuse.
    req.resume();
    sendError(res, 401, {
      code: 'unavailable',
      message: 'Missing or wrong admin token: open the dashboard link Foxden printed.',
    });
    return;
  }
  const method = pathname.slice('/api/'.length);
  if (!isAdminMethod(method)) {
    req.resume();
    sendError(res, 404, { code: 'not-found', message: `There is no admin action called "${method}".` });
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    sendError(res, 405, { code: 'invalid-argument', message: 'Admin actions are called with POST.' });
    return;
  }
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    req.resume();
    sendError(res, 415, { code: 'invalid-argument', message: 'Send the arguments as application/json.' });
    return;
  }
  const body = await readBody(req, res);
  if (body === 413) {
    sendError(res, 413, { code: 'invalid-argument', message: 'The request is too large.' });
    return;
  }
  if (body === 400) {
    sendError(res, 400, { code: 'invalid-argument', message: 'The request body could not be read.' });
    return;
  }
  let args: unknown = [];
  if (body.length > 0) {
    try {
      args = JSON.parse(body.toString('utf8'));
    } catch {
      sendError(res, 400, { code: 'invalid-argument', message: 'The arguments are not valid JSON.' });
      return;
    }
  }
  // Validation, the call and the error shape are dispatch()'s, the same as over IPC.
  const result = await dispatch(options.service, method, args);
  if (!result.ok) {
    if (result.error.code === 'internal') {
      options.logger.error('error', `Admin action ${method} failed`, { detail: result.error.message });
    }
    sendError(res, HTTP_STATUS[result.error.code], result.error);
    return;
  }
  send(res, 200, JSON.stringify(result.value ?? null), 'application/json; charset=utf-8', {
    'Cache-Control': 'no-store',
  });
}

type StaticFiles = ReturnType<typeof express.static>;

/** One file server per dashboard folder, made once (not per request). */
const staticFiles = new Map<string, StaticFiles>();

/**
 * express.static (send) serves files under `root`: it refuses `..` and anything escaping the root,
 * ignores dotfiles, answers HEAD, Range and conditional GETs. Our headers replace its defaults.
 */
function filesUnder(root: string): StaticFiles {
  let files = staticFiles.get(root);
  if (!files) {
    files = express.static(root, {
      dotfiles: 'ignore',
      redirect: false,
      index: ['index.html'],
      cacheControl: false,
      fallthrough: true,
      setHeaders(res, file) {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
        res.setHeader(
          'Content-Type',
          CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        );
        res.setHeader('Cache-Control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=3600');
      },
    });
    staticFiles.set(root, files);
  }
  return files;
}

/** A path naming a dotfile or dot-folder, a NUL or bad escapes: a 404, never routed to the app. */
function refusedPath(pathname: string): boolean {
  const decoded = decodePathSegment(pathname);
  if (decoded === null || decoded.includes('\0')) return true;
  return path.posix
    .normalize(decoded)
    .split('/')
    .some((part) => part.startsWith('.') && part !== '.' && part !== '..');
}

const MISSING_GUI = `<!doctype html><meta charset="utf-8"><title>Foxden</title>
<p>The Foxden dashboard has not been built. Run <code>npm run build</code>, then reload.</p>
<p>The admin API at <code>/api/</code> works without it.</p>`;

function handleStatic(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  root: string,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'Method Not Allowed', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' });
    return;
  }
  if (refusedPath(pathname)) {
    send(res, 404, 'Not Found', 'text/plain; charset=utf-8');
    return;
  }
  const notFound = () => {
    if (!res.headersSent) send(res, 404, 'Not Found', 'text/plain; charset=utf-8');
  };
  // express.static calls next() for anything it does not serve (missing, refused, unreadable).
  filesUnder(root)(req as express.Request, res as express.Response, () => {
    // Client-side routes (no extension) get the app; a missing asset is a plain 404.
    if (path.extname(pathname) === '' && fs.existsSync(path.join(root, 'index.html'))) {
      req.url = '/index.html';
      filesUnder(root)(req as express.Request, res as express.Response, notFound);
    } else if (pathname === '/' || pathname === '/index.html') {
      send(res, 200, MISSING_GUI, 'text/html; charset=utf-8', { 'Cache-Control': 'no-store' });
    } else {
      notFound();
    }
  });
}

/** The request handler, exported so tests can feed it a request whose socket is not loopback. */
export function createAdminHandler(
  options: AdminHandlerOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const root = path.resolve(options.staticDir);
  return (req, res) => {
    const refusal = refuseForeign(req, options.port());
    if (refusal) {
      req.resume();
      sendError(res, refusal.status, { code: 'unavailable', message: refusal.message });
      return;
    }
    const url = req.url ?? '/';
    const pathname = url.split('?')[0] as string;
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      if (url.includes('?')) {
        // Tokens never travel in URLs (history, logs, Referer): no query strings on the API.
        req.resume();
        sendError(res, 400, {
          code: 'invalid-argument',
          message: 'The admin API takes no query string; send the token as a Bearer header.',
        });
        return;
      }
      handleApi(req, res, pathname, options).catch((err: unknown) => {
        options.logger.error('error', 'Admin request failed', { detail: String(err) });
        if (!res.headersSent) sendError(res, 500, { code: 'internal', message: 'Something went wrong.' });
        else res.destroy();
      });
      return;
    }
    try {
      handleStatic(req, res, pathname, root);
    } catch (err) {
      options.logger.error('error', 'Serving the dashboard failed', { detail: String(err) });
      if (!res.headersSent) send(res, 500, 'Internal Server Error', 'text/plain; charset=utf-8');
    }
  };
}

export interface AdminHttpOptions {
  service: AdminApi;
  /** 0 picks any free port. */
  port: number;
  dataDir: string;
  staticDir?: string;
  logger: Logger;
}

export interface AdminHttp {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** The URL to open: the token rides in the fragment, which browsers never send. */
  dashboardUrl: string;
  token: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * Starts the admin listener on 127.0.0.1 only. Rejects with a plain-words Error (code set,
 * e.g. EADDRINUSE) when the port cannot be had; the caller decides whether that is fatal.
 */
export async function startAdminHttp(options: AdminHttpOptions): Promise<AdminHttp> {
  const token = loadOrCreateAdminToken(options.dataDir);
  let boundPort = options.port;
  const handler = createAdminHandler({
    service: options.service,
    token,
    port: () => boundPort,
    staticDir: options.staticDir ?? defaultStaticDir(),
    logger: options.logger,
  });
  const server = http.createServer(handler);
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 30_000;
  const address = await listenOn(server, ADMIN_HOST, options.port);
  boundPort = address.port;
  const url = `http://${ADMIN_HOST}:${boundPort}/`;
  return {
    url,
    dashboardUrl: `${url}#token=${token}`,
    token,
    port: boundPort,
    server,
    // Open requests get a moment; then whatever is left is cut so Stop never hangs.
    close: () => closeGracefully(server, 1000),
  };
}
