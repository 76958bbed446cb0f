/**
 * URL rules shared by the IPC sender check and the window's navigation locks: which URL is
 * "our own page" and which may be handed to the system browser.
 */

/** True when `url` is our renderer's entry file (any #fragment, no query, nothing else). */
export function isAppUrl(url: string, appEntryUrl: string): boolean {
  const candidate = parse(url);
  const entry = parse(appEntryUrl);
  if (!candidate || !entry) return false;
  if (candidate.protocol !== 'file:' || entry.protocol !== 'file:') return false;
  if (candidate.host !== entry.host || candidate.search !== '') return false;
  return decodePath(candidate.pathname) === decodePath(entry.pathname);
}

/** True for file:// URLs inside the renderer's directory (what the CSP header is added to). */
export function isInsideDir(url: string, dirUrl: string): boolean {
  const candidate = parse(url);
  const dir = parse(dirUrl.endsWith('/') ? dirUrl : dirUrl + '/');
  if (!candidate || !dir || candidate.protocol !== 'file:' || dir.protocol !== 'file:') return false;
  if (candidate.host !== dir.host) return false;
  const path = decodePath(candidate.pathname);
  const base = decodePath(dir.pathname);
  return path !== null && base !== null && path.startsWith(base);
}

/** Links the owner may follow into the system browser: http(s) with a host, no credentials. */
export function isExternalWebUrl(url: string): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Decoded path, so %2e%2e tricks and different escaping compare as the file they name. */
function decodePath(pathname: string): string | null {
  try {
    const decoded = decodeURIComponent(pathname);
    // WHATWG URL already resolved "." and ".." segments; an encoded one is not a real path.
    if (decoded.split('/').some((seg) => seg === '..' || seg === '.')) return null;
    return process.platform === 'win32' ? decoded.toLowerCase() : decoded;
  } catch {
    return null;
  }
}
