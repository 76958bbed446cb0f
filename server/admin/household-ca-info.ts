import { readHouseholdCa } from '../tls/household-ca.js';

/**
 * The household CA's SHA-256 fingerprint for the setup help, read from the data folder (no
 * server need run): null before Foxden first started with automatic HTTPS, or when the file
 * is damaged (the server's own start says so in one line; the help then shows no number to
 * compare rather than a wrong one).
 */
export function householdCaFingerprint(dataDir: string): string | null {
  try {
    return readHouseholdCa(dataDir)?.fingerprint256 ?? null;
  } catch {
    return null;
  }
}
