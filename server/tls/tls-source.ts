import os from 'node:os';
import { defaultReadInterfaces, openAutoSource } from './auto-certificate-source.js';
import { openFilesSource } from './files-certificate-source.js';
import type { TlsSettings, TlsSource } from './types.js';

export interface TlsSourceOptions {
  dataDir: string;
  /** The public URL now (it may change while the server runs); its host goes in the certificate. */
  publicUrl: () => string;
  /** Milliseconds since the epoch; tests move it. */
  clock?: () => number;
  readInterfaces?: () => ReturnType<typeof os.networkInterfaces>;
  /** The machine's host name; os.hostname() unless told. */
  hostname?: () => string;
  /** `auto`: how often renewal is checked (30 s); `files`: how often the files are polled (2 s). */
  checkEveryMs?: number;
}

/**
 * The sync port's certificate for as long as it listens (see TlsSource). Throws, with a message
 * that is the one line to show, when it cannot start: a certificate or key file that is
 * missing, unreadable, not PEM, mismatched, expired or not yet valid (TlsFileError), or a
 * household CA that is damaged (HouseholdCaError) or cannot be written (FileSystemProblem).
 */
export async function openTlsSource(
  settings: Exclude<TlsSettings, { mode: 'off' }>,
  options: TlsSourceOptions,
): Promise<TlsSource> {
  const clock = options.clock ?? Date.now;
  if (settings.mode === 'files') {
    return openFilesSource({
      certFile: settings.certFile,
      keyFile: settings.keyFile,
      publicUrl: options.publicUrl,
      clock,
      checkEveryMs: options.checkEveryMs ?? 2000,
    });
  }
  return openAutoSource({
    dataDir: options.dataDir,
    publicUrl: options.publicUrl,
    clock,
    readInterfaces: options.readInterfaces ?? defaultReadInterfaces,
    hostname: options.hostname ?? (() => os.hostname()),
    checkEveryMs: options.checkEveryMs ?? 30_000,
  });
}
