import http from 'node:http';
import type net from 'node:net';
import type { Logger } from '../log.js';
import type { TlsSettings, TlsSource } from '../tls/types.js';
import { HttpsListener } from './https-listener.js';
import type { GracefulListener } from './listen.js';
import { plainHttpAnswer } from './plain-http-answer.js';
import { tlsHandshakeLog } from './tls-handshake-log.js';

/** The sync port's listener, not yet bound, and the certificate source it serves from. */
export interface SyncListener {
  /** What the graceful close works on. */
  listener: GracefulListener;
  /** What listens (hand it to listenOn). */
  bound: net.Server;
  /** HTTPS: the certificate's source (close it with the listener); plain HTTP: null. */
  source: TlsSource | null;
}

export interface SyncListenerOptions {
  app: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  dataDir: string;
  /** The public URL now: the certificate's names and the plain-HTTP answer's https link. */
  publicUrl: () => string;
  logger: Logger;
  keepAliveTimeoutMs: number;
}

/**
 * Plain HTTP, or HTTPS and the clear plain-HTTP answer on one port with the certificate from
 * a TlsSource, which is opened here: a certificate file that cannot be served rejects with
 * its one line. A renewed or reloaded certificate reaches new connections without a restart.
 */
export async function openSyncListener(
  tls: TlsSettings,
  options: SyncListenerOptions,
): Promise<SyncListener> {
  const { app, logger } = options;
  if (tls.mode === 'off') {
    const plain = http.createServer(app);
    plain.keepAliveTimeout = options.keepAliveTimeoutMs;
    return { listener: plain, bound: plain, source: null };
  }
  const mode = tls.mode;
  // Loaded only for HTTPS: the certificate code (@peculiar/x509 and its ASN.1 and metadata
  // libraries) is some 15-20 MB of RSS that a plain-HTTP server never needs.
  const { openTlsSource } = await import('../tls/tls-source.js');
  const source = await openTlsSource(tls, { dataDir: options.dataDir, publicUrl: options.publicUrl });
  try {
    const listener = new HttpsListener({
      material: source.current(),
      app,
      plainAnswer: plainHttpAnswer({
        publicUrl: options.publicUrl,
        ca: () => {
          const pem = source.caCertificatePem();
          const ca = source.status().ca;
          return pem !== null && ca ? { pem, fingerprint256: ca.fingerprint256 } : null;
        },
      }),
      onHandshakeError: tlsHandshakeLog({
        mode: () => mode,
        say: (line, address) => logger.warn('auth', line, { address }),
      }),
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    });
    source.on('changed', (material) => {
      try {
        listener.setSecureContext(material);
        logger.info('lifecycle', 'new HTTPS connections get the renewed certificate');
      } catch (err) {
        logger.warn(
          'lifecycle',
          `The new certificate could not be used; the previous one is still served: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    });
    source.on('warning', (line) => logger.warn('lifecycle', line));
    return { listener, bound: listener.server, source };
  } catch (err) {
    source.close();
    throw err;
  }
}
