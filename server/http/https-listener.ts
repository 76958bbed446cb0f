import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TlsMaterial } from '../tls/types.js';
import type { GracefulListener } from './listen.js';

/** The first byte of a TLS handshake record: every TLS connection starts with a ClientHello. */
const TLS_HANDSHAKE = 0x16;
/** A connection that says nothing, or does not finish its TLS handshake, is closed after this long. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface HttpsListenerOptions {
  material: TlsMaterial;
  /** Every HTTPS request (the Express app). */
  app: RequestListener;
  /** Every plain-HTTP request sent to this port (plain-http-answer.ts). */
  plainAnswer: RequestListener;
  /** A failed TLS handshake and the client's address (tls-handshake-log.ts). */
  onHandshakeError: (err: Error, address: string | undefined) => void;
  keepAliveTimeoutMs: number;
  /** Tests shorten it; default FIRST_BYTE_TIMEOUT_MS. */
  firstByteTimeoutMs?: number;
}

function secureContextOptions(material: TlsMaterial): https.ServerOptions {
  // TLS 1.0 and 1.1 are off in every browser Foxden serves; nothing older is worth a weaker port.
  return { cert: material.cert, key: material.key, minVersion: 'TLSv1.2' };
}

/**
 * HTTPS and a clear plain-HTTP answer on one port, without a reverse proxy: a `net.Server`
 * reads each connection's first byte and hands the connection to Node's HTTPS server (a TLS
 * ClientHello) or to a small plain HTTP server (anything else). The inner servers never listen
 * themselves; they only take the connections given to them.
 */
export class HttpsListener implements GracefulListener {
  /** The server that listens (hand it to listenOn). */
  readonly server: net.Server;
  private readonly https: https.Server;
  private readonly plain: http.Server;
  /** Every accepted connection, for the cut after the grace period (a handshake under way included). */
  private readonly sockets = new Set<net.Socket>();
  /** Connections that have not sent their first byte: idle by any measure. */
  private readonly silent = new Set<net.Socket>();
  private readonly firstByteTimeoutMs: number;

  constructor(options: HttpsListenerOptions) {
    this.firstByteTimeoutMs = options.firstByteTimeoutMs ?? FIRST_BYTE_TIMEOUT_MS;
    this.https = https.createServer(
      { ...secureContextOptions(options.material), handshakeTimeout: this.firstByteTimeoutMs },
      options.app,
    );
    this.https.keepAliveTimeout = options.keepAliveTimeoutMs;
    this.https.on('tlsClientError', (err, tlsSocket) => {
      options.onHandshakeError(err, addressOf(tlsSocket));
    });
    // Its answers are short: a client that starts a request and does not finish it is let go
    // as soon as a silent one (checked every second, not every 30 s as by default).
    this.plain = http.createServer(
      {
        headersTimeout: this.firstByteTimeoutMs,
        requestTimeout: this.firstByteTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, this.firstByteTimeoutMs),
      },
      options.plainAnswer,
    );
    this.plain.keepAliveTimeout = options.keepAliveTimeoutMs;
    // An http.Server tracks its connections (closeIdleConnections, closeAllConnections, the
    // headers and request timeouts) from its 'listening' event on; these two never listen
    // themselves, so they are told once that connections will come.
    this.https.emit('listening');
    this.plain.emit('listening');
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** A renewed or reloaded certificate: new connections get it, open ones keep theirs. */
  setSecureContext(material: TlsMaterial): void {
    this.https.setSecureContext(secureContextOptions(material));
  }

  private accept(socket: net.Socket): void {
    // Read now: a peer that is gone by the time a handshake fails still has its address named.
    peerAddress.set(socket, socket.remoteAddress);
    this.sockets.add(socket);
    this.silent.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.silent.delete(socket);
    });
    // Before the hand-over nothing can be answered; after it the inner server handles errors.
    socket.on('error', () => undefined);
    const onSilence = () => socket.destroy();
    socket.setTimeout(this.firstByteTimeoutMs, onSilence);
    socket.once('data', (chunk: Buffer) => {
      this.silent.delete(socket);
      socket.setTimeout(0);
      socket.off('timeout', onSilence);
      // Put the byte back so the inner server reads the connection from its start.
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) {
        // The TLS socket reads what is buffered itself, then reads the connection directly.
        this.https.emit('connection', socket);
      } else {
        this.plain.emit('connection', socket);
        socket.resume();
      }
    });
  }

  close(callback: (err?: Error) => void): void {
    this.server.close((err) => callback(err));
    // Stops their connection checks; connections already handed over carry on.
    this.https.close();
    this.plain.close();
  }

  closeIdleConnections(): void {
    for (const socket of this.silent) socket.destroy();
    this.https.closeIdleConnections();
    this.plain.closeIdleConnections();
  }

  closeAllConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/** The address of each accepted connection, read when it was accepted. */
const peerAddress = new WeakMap<net.Socket, string | undefined>();

/** The TLS socket's peer, or the address its connection had when it was accepted. */
function addressOf(tlsSocket: net.Socket): string | undefined {
  if (tlsSocket.remoteAddress) return tlsSocket.remoteAddress;
  // Node's TLS socket keeps the connection it wraps as `_parent` (not in its typings).
  const parent = (tlsSocket as net.Socket & { _parent?: net.Socket })._parent;
  return parent ? peerAddress.get(parent) : undefined;
}
