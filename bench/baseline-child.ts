/**
 * Floors for the HTTP figures, each in its own process like the server under test:
 * `node` is a bare http server, `express` a minimal Express 5 app; both answer the same
 * fixed small JSON body to every request.
 */
import http from 'node:http';
import { memoryFigures, type ChildMessage, type ParentMessage } from './ipc.js';

/** About the size of a real info/collections answer for a user with a few collections. */
const FIXED_BODY = JSON.stringify({
  bookmarks: 1700000000.12,
  clients: 1700000000.34,
  crypto: 1700000000.56,
  forms: 1700000000.78,
  history: 1700000001.9,
  meta: 1700000002.1,
  prefs: 1700000003.2,
  tabs: 1700000004.3,
});

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Express is imported only for its own floor, so the bare floor's idle RSS stays bare. */
async function createBaseline(kind: string): Promise<http.Server> {
  if (kind === 'node') {
    const length = String(Buffer.byteLength(FIXED_BODY));
    return http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': length });
      res.end(FIXED_BODY);
    });
  }
  if (kind === 'express') {
    const { default: express } = await import('express');
    const app = express();
    // The same two settings the real app turns off, so the floor is like for like.
    app.disable('x-powered-by');
    app.set('etag', false);
    app.get('/{*path}', (_req, res) => {
      res.type('application/json').send(FIXED_BODY);
    });
    return http.createServer(app);
  }
  throw new Error(`unknown baseline ${kind}`);
}

const kind = process.argv[2] ?? '';
if (process.send) {
  const server = await createBaseline(kind);
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    send({ type: 'ready', port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'memory') send({ type: 'memory', ...memoryFigures() });
    else if (msg.type === 'stop') stop();
  });
  process.on('disconnect', stop);
}
