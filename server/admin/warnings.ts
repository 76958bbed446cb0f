import { FIREFOX_BLOCKED_PORTS, portWarningsFor } from '../ports.js';
import type { StorageHealthStatus } from '../storage-health.js';
import type { AdminSettings, Warning } from './api.js';
import { backupWarnings, type BackupFacts } from './backup-warnings.js';
import { storageWarnings } from './storage-warnings.js';
import { isLoopbackHost } from './settings.js';
import { tlsWarnings, type TlsFacts } from './tls-warnings.js';

/** What the running process knows beyond the settings themselves. */
export interface RuntimeFacts {
  /** The last failed listen, with its errno code (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
  listenError?: { code: string | null; message: string } | null;
  /** Sync 1.1, Sync 1.5 and local accounts together. */
  accountCount: number;
  /** Scheduled backups: the last good one and the last failure (none: no backup warnings). */
  backup?: BackupFacts | null;
  /** The disk under the database: full, or its free space (none when it cannot be read). */
  storage?: StorageHealthStatus | null;
  /** A database server that cannot be reached (database-reachability.ts words it). */
  database?: Warning[];
  /** The certificate the sync port presents and the time now (none: only the scheme checks). */
  tls?: TlsFacts | null;
}

/** A URL as clients would read it, or why it cannot be one. */
type ParsedUrl = { ok: true; url: URL } | { ok: false; warning: Warning };

function parsePublicUrl(text: string): ParsedUrl {
  if (/\s/.test(text)) {
    return {
      ok: false,
      warning: {
        code: 'public-url-invalid',
        severity: 'error',
        message: `The public URL "${text}" contains spaces, so no browser can use it.`,
        hint: 'Remove the spaces, e.g. http://192.168.1.20:8173/.',
      },
    };
  }
  if (!/^https?:\/\//i.test(text)) {
    return {
      ok: false,
      warning: {
        code: 'public-url-scheme',
        severity: 'error',
        message: `The public URL "${text}" does not start with http:// or https://.`,
        hint: `Write it in full, e.g. http://${text.replace(/^[a-z]+:\/*/i, '') || '192.168.1.20:8173/'}.`,
      },
    };
  }
  try {
    const url = new URL(text);
    if (!url.hostname) throw new Error('no host');
    return { ok: true, url };
  } catch {
    return {
      ok: false,
      warning: {
        code: 'public-url-invalid',
        severity: 'error',
        message: `The public URL "${text}" is not a valid web address.`,
        hint: 'Use the form http://<this computer’s address>:<port>/, e.g. http://192.168.1.20:8173/.',
      },
    };
  }
}

function urlPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function listenWarning(error: { code: string | null; message: string }): Warning {
  if (error.code === 'EADDRINUSE') {
    return {
      code: 'port-in-use',
      severity: 'error',
      message: error.message,
      hint: 'Choose another port in Settings, or quit the program using it.',
    };
  }
  return { code: 'listen-failed', severity: 'error', message: error.message };
}

/**
 * Everything about the settings that will probably surprise the owner, in plain words
 * (design.md "Product details users expect"). Pure: the same input gives the same advice in
 * the tray, the GUI and the CLI.
 */
export function computeWarnings(
  settings: AdminSettings,
  platform: NodeJS.Platform,
  facts: RuntimeFacts,
): Warning[] {
  const out = portWarningsFor(settings.port, platform);
  out.push(...(facts.database ?? []));
  if (facts.listenError) out.push(listenWarning(facts.listenError));
  out.push(...storageWarnings(facts.storage));

  const parsed = parsePublicUrl(settings.publicUrl);
  if (!parsed.ok) {
    out.push(parsed.warning);
  } else {
    const { url } = parsed;
    if (settings.bindScope === 'lan' && isLoopbackHost(url.hostname)) {
      out.push({
        code: 'public-url-localhost-on-lan',
        severity: 'warning',
        message: `Foxden serves your home network, but the public URL ${settings.publicUrl} points at this computer only: other devices would try to reach themselves.`,
        hint:
          "Set the public URL to this computer's network address, e.g. http://192.168.1.20:" +
          settings.port +
          '/.',
      });
    }
    const publicPort = urlPort(url);
    if (publicPort !== settings.port && FIREFOX_BLOCKED_PORTS.has(publicPort)) {
      out.push({
        code: 'port-blocked-by-firefox',
        severity: 'error',
        message: `The public URL uses port ${publicPort}, which Firefox and Pale Moon refuse to connect to.`,
        hint: 'Use another port in the public URL (and in the reverse proxy, if there is one).',
      });
    }
    const prefix = url.pathname.replace(/\/+$/, '');
    if (!settings.behindProxy && prefix !== '') {
      out.push({
        code: 'public-url-path-without-proxy',
        severity: 'warning',
        message: `The public URL ends in the path ${prefix}/, but Foxden answers at the root: requests to ${prefix}/… get 404 unless a reverse proxy removes ${prefix} first.`,
        hint: 'If a reverse proxy does, turn on "Behind a reverse proxy"; otherwise remove the path from the public URL.',
      });
    }
    if (!settings.behindProxy && settings.port !== 0 && publicPort !== settings.port) {
      out.push({
        code: 'public-url-port-mismatch',
        severity: 'warning',
        message: `The public URL uses port ${publicPort} but Foxden listens on port ${settings.port}.`,
        hint: 'Clients will not reach it unless a reverse proxy forwards that port; if one does, turn on "Behind a reverse proxy".',
      });
    }
  }

  if (parsed.ok) out.push(...tlsWarnings(settings, facts.tls));

  if (settings.allowNewUsers && facts.accountCount > 1) {
    out.push({
      code: 'signups-open-with-accounts',
      severity: 'warning',
      message: `New sign-ups are open and ${facts.accountCount} accounts already exist: anyone who can reach this server can create one.`,
      hint: 'Turn "Allow new sign-ups" off once everyone in the household has an account.',
    });
  }
  out.push(...backupWarnings(settings, facts.backup));
  return out;
}
