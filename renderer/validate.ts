/**
 * Client-side checks that mirror the server's (spec 1.1 §3.3, §4.3, §5.10), so most mistakes
 * are caught before a round trip. The server still decides; its message wins when it differs.
 */

const USERNAME = /^[A-Za-z0-9._-]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateAccountName(name: string): string | null {
  const value = name.trim();
  if (!value) return 'Enter a username or an e-mail address.';
  if (value.includes('@')) return EMAIL.test(value) ? null : 'This does not look like an e-mail address.';
  if (!USERNAME.test(value))
    return 'Use letters, digits, dots, dashes and underscores only, or an e-mail address.';
  if (value.length > 32) return 'Usernames are at most 32 characters (an e-mail address may be longer).';
  return null;
}

export function validatePassword(password: string, name: string): string | null {
  if ([...password].length < 8) return 'Use at least 8 characters.';
  if (name && password.trim().toLowerCase() === name.trim().toLowerCase()) {
    return 'The password must differ from the username.';
  }
  return null;
}

export function validateConfirmation(password: string, confirmation: string): string | null {
  return password === confirmation ? null : 'The two passwords do not match.';
}

export function validatePort(text: string): string | null {
  if (!/^\d+$/.test(text.trim())) return 'Enter a port number between 1 and 65535.';
  const port = Number(text);
  if (port < 1 || port > 65535) return 'Enter a port number between 1 and 65535.';
  return null;
}

/**
 * The same rules as the server's (server/admin/validate.ts). Whether the URL fits the port
 * and the bind scope is advice, not an error: warnings() reports that after saving.
 */
export function validatePublicUrl(text: string): string | null {
  const value = text.trim();
  if (!value) return 'Enter the address devices use to reach Foxden, e.g. http://192.168.1.20:8173/.';
  if (/\s/.test(value)) return 'The address cannot contain spaces.';
  if (!/^https?:\/\//i.test(value))
    return (
      'Start the address with http:// or https://, e.g. http://' + value.replace(/^[a-z]+:\/*/i, '') + '.'
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'This is not a valid web address.';
  }
  if (!url.hostname) return 'The address needs a host name or an IP address.';
  if (url.username || url.password) return 'The address must not contain a user name or password.';
  if (url.search || url.hash) return 'The address must not contain "?" or "#".';
  return null;
}

export function validatePath(text: string): string | null {
  const value = text.trim();
  if (!value) return 'Enter a file path.';
  // Absolute on POSIX (/...) or Windows (C:\... or \\server\...); the server checks it again.
  if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(value))
    return 'Enter a full path, starting at the root (e.g. /home/me/foxden-backup.db).';
  return null;
}
