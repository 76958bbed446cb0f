import type * as Ldap from './ldap/index.js';

/**
 * The LDAP client (server/ldap/, over ldapts), loaded only when a directory is configured
 * (`[auth] backend = ldap`): a server without one never needs it, and loading it costs RSS
 * on every `foxden serve` (issue 11 item 18). Its users are synchronous (config checks,
 * building a server), so the library is loaded at an asynchronous point first
 * (`loadDirectoryLibrary`: `loadConfigReady`, `openSyncServer`, the directory test) and read
 * here afterwards.
 */
export type DirectoryLibrary = typeof Ldap;

let library: DirectoryLibrary | null = null;

/** Thrown by `directoryLibrary()` before the library was loaded: a caller skipped the load. */
export class DirectoryLibraryNotLoaded extends Error {
  constructor() {
    super('Directory accounts: the LDAP client was not loaded (call loadDirectoryLibrary first)');
    this.name = 'DirectoryLibraryNotLoaded';
  }
}

export function isDirectoryLibraryLoaded(): boolean {
  return library !== null;
}

export async function loadDirectoryLibrary(): Promise<DirectoryLibrary> {
  library ??= await import('./ldap/index.js');
  return library;
}

/** The loaded library; throws DirectoryLibraryNotLoaded before `loadDirectoryLibrary()`. */
export function directoryLibrary(): DirectoryLibrary {
  if (library === null) throw new DirectoryLibraryNotLoaded();
  return library;
}

/**
 * Runs a synchronous step that may need the library (reading the config) and, if it did and
 * the library was not loaded yet, loads it and runs the step once more.
 */
export async function withDirectoryLibrary<T>(step: () => T): Promise<T> {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof DirectoryLibraryNotLoaded)) throw err;
    await loadDirectoryLibrary();
    return step();
  }
}
