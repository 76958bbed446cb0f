// A Firefox profile that trusts Foxden's household CA the way a person's does after importing
// ca.crt in Settings → Certificates ("trust this CA to identify websites"): the certificate in
// the profile's own NSS store (cert9.db) with the SSL trust flag, nothing system-wide. Firefox
// ESR opens an NSS store it finds in a new profile and keeps its entries (checked with
// `certutil -L` after a run), so the store is made before the first launch.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Debian's libnss3-tools. */
export const CERTUTIL = '/usr/bin/certutil';
const CA_NICKNAME = 'Foxden household CA';

function certutil(args: string[]): string {
  return execFileSync(CERTUTIL, args, { encoding: 'utf8', timeout: 30_000 });
}

/** Creates `profileDir` with an empty-password NSS store holding `caFile` trusted for web sites. */
export function trustCaInProfile(profileDir: string, caFile: string): void {
  fs.mkdirSync(profileDir, { recursive: true });
  const db = `sql:${profileDir}`;
  certutil(['-N', '-d', db, '--empty-password']);
  // "C,,": a CA trusted to issue server certificates; not for e-mail or code signing.
  certutil(['-A', '-d', db, '-n', CA_NICKNAME, '-t', 'C,,', '-i', caFile]);
}

/** The trust flags the profile's store holds for the household CA, e.g. "C,,"; null if absent. */
export function caTrustInProfile(profileDir: string): string | null {
  const listing = certutil(['-L', '-d', `sql:${profileDir}`]);
  const line = listing.split('\n').find((l) => l.startsWith(CA_NICKNAME));
  return line ? line.slice(CA_NICKNAME.length).trim() : null;
}
