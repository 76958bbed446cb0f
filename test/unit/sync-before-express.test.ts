import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { syncBeforeExpress } from '../../server/http/front-door.js';

interface Seen {
  via: string;
  path: string;
  originalUrl: string;
  protocol: string;
  hasLocals: boolean;
  trustFn: boolean;
}

/** An Express app whose own layer says so, and a front door that records what it was given. */
async function start(
  front: (req: Request, res: Response, next: NextFunction) => void | Promise<void>,
  sync15 = true,
  storage15: (req: Request, res: Response, next: NextFunction) => void | Promise<void> = (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ via: 'sync15', path: req.path, protocol: req.protocol }));
  },
) {
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use((req, res) => {
    res
      .status(200)
      .type('application/json')
      .send(JSON.stringify({ via: 'express', path: req.path }));
  });
  const errors: string[] = [];
  const server = http.createServer(
    syncBeforeExpress(app, front, sync15 ? storage15 : null, (err) => errors.push(String(err))),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, errors, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; type: string; body: string; length: string | undefined }>(
    (resolve, reject) => {
      http
        .request({ host: '127.0.0.1', port, path, headers, method, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              type: String(res.headers['content-type']),
              body,
              length: res.headers['content-length'],
            }),
          );
        })
        .on('error', reject)
        .end();
    },
  );
}

const recordingFront = (req: Request, res: Response, next: NextFunction): void | Promise<void> => {
  if (req.path.startsWith('/1.5')) return next();
  if (req.path === '/1.1/alice/pass-on') return next();
  if (req.path === '/1.1/alice/throw') throw new Error('boom');
  if (req.path === '/1.1/alice/reject') return Promise.reject(new Error('async boom'));
  if (req.path === '/1.1/alice/next-error') return next(new Error('passed boom'));
  if (req.path === '/1.1/alice/late-reject')
    return new Promise<void>((_resolve, reject) => setImmediate(() => reject(new Error('late boom'))));
  const seen: Seen = {
    via: 'front',
    path: req.path,
    originalUrl: req.originalUrl,
    protocol: req.protocol,
    hasLocals: typeof res.locals === 'object',
    trustFn: typeof req.app.get('trust proxy fn') === 'function',
  };
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(seen));
};

test('syncBeforeExpress: Sync 1.1 paths reach the front door without Express, with what adapters read', async () => {
  const s = await start(recordingFront);
  try {
    const r = await get(s.port, '/1.1/alice/info/collections?x=1');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), {
      via: 'front',
      path: '/1.1/alice/info/collections',
      originalUrl: '/1.1/alice/info/collections?x=1',
      protocol: 'http',
      hasLocals: true,
      trustFn: true,
    });
    for (const p of ['/user/1.0/alice', '/1/alice/info/collections', '/misc/1.0/captcha_html']) {
      assert.equal(JSON.parse((await get(s.port, p)).body).via, 'front', p);
    }
  } finally {
    await s.close();
  }
});

test('syncBeforeExpress: other paths, proxied and browser requests go through Express', async () => {
  const s = await start(recordingFront);
  try {
    for (const p of ['/__heartbeat__', '/1.0/alice/info/collections', '/1.0/sync/1.5', '/', '/1.10/x']) {
      assert.equal(JSON.parse((await get(s.port, p)).body).via, 'express', p);
    }
    const proxied: Record<string, string>[] = [
      { 'x-forwarded-for': '10.0.0.1' },
      { 'x-forwarded-proto': 'https' },
      { origin: 'https://a.example' },
    ];
    for (const h of proxied) {
      const r = await get(s.port, '/1.1/alice/info/collections', h);
      assert.equal(JSON.parse(r.body).via, 'express', JSON.stringify(h));
    }
  } finally {
    await s.close();
  }
});

test('syncBeforeExpress: Sync 1.5 storage after the front door; without it, /1.5 goes through Express', async () => {
  const s = await start(recordingFront);
  try {
    const r = await get(s.port, '/1.5/42/info/collections');
    assert.deepEqual(JSON.parse(r.body), {
      via: 'sync15',
      path: '/1.5/42/info/collections',
      protocol: 'http',
    });
  } finally {
    await s.close();
  }
  const plain = await start(recordingFront, false);
  try {
    assert.equal(JSON.parse((await get(plain.port, '/1.5/42/info/collections')).body).via, 'express');
  } finally {
    await plain.close();
  }
});

test('syncBeforeExpress: a passed-on request is the 404 Express ends with; a throw is the 500 app.ts answers', async () => {
  const s = await start(recordingFront);
  try {
    const missing = await get(s.port, '/1.1/alice/pass-on');
    assert.equal(missing.status, 404);
    assert.equal(missing.type, 'text/plain; charset=utf-8');
    assert.equal(missing.body, 'Not Found');
    const thrown = await get(s.port, '/1.1/alice/throw');
    assert.equal(thrown.status, 500);
    assert.equal(thrown.body, '"application error"');
    assert.deepEqual(s.errors, ['Error: boom']);
  } finally {
    await s.close();
  }
});

test('syncBeforeExpress: a rejected promise, a late rejection or next(err) is the 500 app.ts answers, and serving goes on', async () => {
  const s = await start(recordingFront);
  try {
    for (const p of ['/1.1/alice/reject', '/1.1/alice/late-reject', '/1.1/alice/next-error']) {
      const r = await get(s.port, p);
      assert.equal(r.status, 500, p);
      assert.equal(r.type, 'application/json; charset=utf-8', p);
      assert.equal(r.length, '19', p);
      assert.equal(r.body, '"application error"', p);
    }
    assert.deepEqual(s.errors, ['Error: async boom', 'Error: late boom', 'Error: passed boom']);
    const after = await get(s.port, '/1.1/alice/info/collections');
    assert.equal(after.status, 200);
    assert.equal(JSON.parse(after.body).via, 'front');
  } finally {
    await s.close();
  }
});

test('syncBeforeExpress: a throwing or rejecting Sync 1.5 storage handler is the 500, and serving goes on', async () => {
  const storage15 = (req: Request): Promise<void> => {
    if (req.path.endsWith('/throw')) throw new Error('storage boom');
    return Promise.reject(new Error('storage async boom'));
  };
  const s = await start(recordingFront, true, storage15);
  try {
    for (const p of ['/1.5/42/storage/throw', '/1.5/42/storage/reject']) {
      const r = await get(s.port, p);
      assert.equal(r.status, 500, p);
      assert.equal(r.body, '"application error"', p);
    }
    assert.deepEqual(s.errors, ['Error: storage boom', 'Error: storage async boom']);
    assert.equal(JSON.parse((await get(s.port, '/1.1/alice/info/collections')).body).via, 'front');
  } finally {
    await s.close();
  }
});

test('syncBeforeExpress: HEAD is bypassed like GET; a URL Express would re-parse goes through Express', async () => {
  const s = await start(recordingFront);
  try {
    const head = await get(s.port, '/1.1/alice/pass-on', {}, 'HEAD');
    assert.equal(head.status, 404);
    assert.equal(head.length, '9');
    assert.equal(head.body, '');
    const hash = await get(s.port, '/1.1/alice/info/collections#frag');
    assert.equal(JSON.parse(hash.body).via, 'express');
    assert.equal(JSON.parse(hash.body).path, '/1.1/alice/info/collections');
  } finally {
    await s.close();
  }
});
