import type { LogEvent } from '../server/log.js';

type Door = 'tokenserver' | 'sync15' | 'sync11-user' | 'sync11' | 'other';

/** Which protocol door a request came through, from its path (the adapters' URL spaces). */
function doorOf(path: string): Door {
  if (/^\/(?:token\/)?1\.0\/sync\/1\.5/.test(path)) return 'tokenserver';
  if (path.startsWith('/1.5/')) return 'sync15';
  if (path.startsWith('/user/1.0/')) return 'sync11-user';
  if (path.startsWith('/1.0/') || path.startsWith('/1.1/')) return 'sync11';
  return 'other';
}

/**
 * One sentence in plain words for a failed request, so the owner does not need to know HTTP:
 * the reasons are the usual ones from spec 1.5 §4.4/§5.3 and spec 1.1 §4–§5. Null when the
 * request did not fail or nothing useful can be said beyond the status.
 */
export function explainEvent(e: LogEvent): string | null {
  if (e.kind !== 'request') return e.detail ?? null;
  if (e.status === undefined || e.status < 400) return null;
  const door = doorOf(e.path ?? '');
  const s = e.status;
  const method = e.method ?? '';
  const known = ((): string | null => {
    if (s === 401) {
      switch (door) {
        case 'sync15':
          return "Hawk authentication failed: check this device's clock, or that the public URL (host, port and http/https) is exactly what Firefox uses.";
        case 'tokenserver':
          return 'Firefox account sign-in was refused by the tokenserver: the account token could not be verified, or the device sent outdated keys. Signing out of Sync and in again usually fixes it.';
        case 'sync11':
        case 'sync11-user':
          return 'Wrong username or password for a Sync 1.1 account, or the account does not exist. Check the account in the Accounts view.';
        default:
          return 'Authentication failed.';
      }
    }
    if (s === 503 && door === 'sync11-user' && method === 'PUT') {
      return 'A device tried to create an account, but sign-ups are closed. Allow new sign-ups in Settings, or create the account here.';
    }
    if (s === 503 && e.detail?.startsWith('login not checked')) {
      return 'Too many wrong passwords came from this address, so its logins are not checked for a while (the client is told to retry later). If it is not one of your devices, someone on your network may be guessing passwords.';
    }
    if (s === 503) return 'The server was busy or stopping; the client will retry later.';
    if (s === 429) {
      return 'Too many attempts from this address (wrong passwords or account look-ups); it must wait before trying again. If it is not one of your devices, someone on your network may be guessing.';
    }
    if (s === 404 && door === 'other') {
      return 'Nothing is served at this address. If this is Firefox, check the setup URL (it must end in /1.0/sync/1.5).';
    }
    if (s === 404)
      return 'The requested item or account does not exist (normal the first time a device syncs).';
    if (s === 412)
      return 'Another device wrote first; this device will fetch the changes and try again (normal).';
    if (s === 413) return 'The upload was too large. A reverse proxy may also limit request size.';
    if (s === 415) return 'The client sent data in a format the server does not accept.';
    if (s === 403) return 'The account is over its storage quota.';
    if (s === 400 && door === 'sync11-user' && method === 'PUT') {
      return 'Account creation was refused: the username, e-mail or password was not accepted.';
    }
    if (s === 400) return 'The server rejected a malformed request.';
    if (s >= 500) return 'The server hit an internal error. The details below help when reporting it.';
    return null;
  })();
  if (known && e.detail) return `${known} (${e.detail})`;
  return known ?? e.detail ?? null;
}
