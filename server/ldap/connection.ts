import net from 'node:net';
import tls from 'node:tls';
import {
  Client,
  type Filter,
  InvalidCredentialsError,
  type Entry,
  NoSuchObjectError,
  SizeLimitExceededError,
} from 'ldapts';
import { DirectoryError, type DirectoryStep } from './errors.js';
import { type FailureContext, timedOut, toDirectoryError } from './error-mapping.js';
import type { DirectorySettings } from './settings.js';

/**
 * One connection to the directory for one sign-in or lookup: opened, StartTLS when asked, used
 * for a few operations and closed. Every operation is bounded by `ldap_timeout`: ldapts times out
 * requests itself, but not a TLS handshake that never finishes, so each step also races a timer
 * that destroys the sockets (which ends whatever ldapts was waiting for).
 */
export interface DirectoryConnection {
  /** Binds as `bind_user` (nothing when searches are anonymous). */
  bindService(): Promise<void>;
  /** `more`: the server had more entries than `sizeLimit`. */
  search(
    step: Extract<DirectoryStep, 'search' | 'group'>,
    base: string,
    options: {
      scope: 'base' | 'sub';
      filter: Filter;
      attributes: string[];
      sizeLimit: number;
      /** A base that does not exist is an empty answer (a person's DN), not a settings error. */
      missingIsEmpty?: boolean;
      /** Binary attributes (objectGUID), read as bytes rather than as UTF-8 text. */
      explicitBufferAttributes?: string[];
    },
  ): Promise<{ entries: Entry[]; more: boolean }>;
  /** false when the directory says the password is wrong. The password is not kept. */
  bindUser(dn: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The TLS options for the directory's host: verified against `ldap_ca_file` or the system's CAs. */
export function tlsOptionsFor(url: string, ca: Buffer | null): tls.ConnectionOptions {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/u, '$1');
  return {
    host,
    // SNI carries names only (RFC 6066); for an address, the certificate's IP SAN is checked.
    ...(net.isIP(host) ? {} : { servername: host }),
    ...(ca ? { ca } : {}),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
  };
}

export async function openConnection(
  settings: DirectorySettings,
  ca: Buffer | null,
): Promise<DirectoryConnection> {
  const sockets = new Set<net.Socket>();
  const track = <T extends net.Socket>(socket: T): T => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
  const abort = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const tlsOptions = tlsOptionsFor(settings.url, ca);
  const client = new Client({
    url: settings.url,
    timeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    // Only for ldaps://: ldapts opens a TLS connection whenever tlsOptions are given, which
    // would break StartTLS on an ldap:// URL (its options go to startTLS below instead).
    ...(settings.url.startsWith('ldaps:') ? { tlsOptions } : {}),
    // Wrapped to keep hold of the sockets (see abort). The casts: ldapts calls these with
    // (port, host) and (port, host, options) or (options), all of which these pass on as given.
    createConnection: ((...args: Parameters<typeof net.connect>) =>
      track(net.connect(...args))) as typeof net.connect,
    createSecureConnection: ((...args: Parameters<typeof tls.connect>) =>
      track(tls.connect(...args))) as typeof tls.connect,
  });

  const bounded = async <T>(
    context: Omit<FailureContext, 'url' | 'timeoutMs'>,
    work: () => Promise<T>,
  ): Promise<T> => {
    const full: FailureContext = {
      ...context,
      url: settings.url,
      timeoutMs: settings.timeoutMs,
      reader: settings.bindDn ?? 'anonymous',
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const step = client.isConnected ? full.step : 'connect';
        abort();
        reject(timedOut({ ...full, step }));
      }, settings.timeoutMs);
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (err) {
      if (err instanceof DirectoryError) throw err;
      throw toDirectoryError(err, full);
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    if (settings.startTls) await bounded({ step: 'tls' }, () => client.startTLS({ ...tlsOptions }));
  } catch (err) {
    abort();
    throw err;
  }

  return {
    async bindService() {
      const { bindDn, bindPassword } = settings;
      if (!bindDn || !bindPassword) return;
      await bounded({ step: 'service-bind', dn: bindDn }, () => client.bind(bindDn, bindPassword));
    },
    search(step, base, { missingIsEmpty, ...options }) {
      return bounded({ step, dn: base }, async () => {
        try {
          const result = await client.search(base, {
            ...options,
            derefAliases: 'never',
            timeLimit: Math.ceil(settings.timeoutMs / 1000),
          });
          return { entries: result.searchEntries, more: false };
        } catch (err) {
          if (err instanceof SizeLimitExceededError) return { entries: [], more: true };
          if (missingIsEmpty === true && err instanceof NoSuchObjectError)
            return { entries: [], more: false };
          throw err;
        }
      });
    },
    bindUser(dn, password) {
      return bounded({ step: 'user-bind', dn }, () =>
        client.bind(dn, password).then(
          () => true,
          (err: unknown) => {
            if (err instanceof InvalidCredentialsError) return false;
            throw err;
          },
        ),
      );
    },
    async close() {
      try {
        if (client.isConnected) await bounded({ step: 'connect' }, () => client.unbind());
      } catch {
        // Closing is best effort: the sockets go below either way.
      } finally {
        abort();
      }
    },
  };
}
