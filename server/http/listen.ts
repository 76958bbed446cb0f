import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';

/** Plain-words explanations for the errors `listen` can raise. */
export function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `Port ${port} is already in use by another program on ${host}. Choose another port or stop that program.`;
    case 'EACCES':
      return `Not allowed to listen on port ${port}: ports below 1024 need administrator rights. Choose a port above 1024.`;
    case 'EADDRNOTAVAIL':
      return `The address ${host} does not belong to this computer. Choose "This computer only" or "Home network".`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The listen address ${host} could not be resolved.`;
    default:
      return `Could not listen on ${host}:${port}: ${err.message}`;
  }
}

/** Resolves once the server is accepting connections, rejects with a readable Error. */
export function listenOn(
  server: Server,
  host: string,
  port: number,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const wrapped = new Error(describeListenError(err, host, port)) as NodeJS.ErrnoException;
      if (err.code) wrapped.code = err.code;
      reject(wrapped);
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      if (addr && typeof addr === 'object') resolve({ host: addr.address, port: addr.port });
      else resolve({ host, port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** What the graceful close needs of a listener: an http.Server, or HTTPS and HTTP on one port. */
export type GracefulListener = Pick<
  HttpServer,
  'listening' | 'closeIdleConnections' | 'closeAllConnections'
> & {
  close(callback: (err?: Error) => void): unknown;
};

/**
 * The one graceful close of an HTTP listener (sync and admin): stop accepting, drop idle
 * keep-alive connections at once, give open requests `graceMs`, then cut whatever is left
 * so Stop never hangs. Resolves once the listener is closed.
 */
export function closeGracefully(server: GracefulListener, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** A listen address as it appears in a URL: IPv6 in brackets (`http://[::]:8173/`). */
export function hostInUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
