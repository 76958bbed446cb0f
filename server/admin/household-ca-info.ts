/**
 * The household CA's SHA-256 fingerprint for the setup help, read from the data folder (no
 * server need run): null before Foxden first started with automatic HTTPS, or when the file
 * is damaged (the server's own start says so in one line; the help then shows no number to
 * compare rather than a wrong one). The certificate code is loaded here, when asked, not with
 * the dashboard (a plain-HTTP server never needs it).
 */
export async function householdCaFingerprint(dataDir: string): Promise<string | null> {
  try {
    const { readHouseholdCa } = await import('../tls/household-ca.js');
    return readHouseholdCa(dataDir)?.fingerprint256 ?? null;
  } catch {
    return null;
  }
}
