import type { Warning } from './admin/api.js';

/**
 * Ports Firefox refuses to connect to (spec 1.1 §10.1 [REC]: warn on the union of the
 * classic list that every Sync 1.1 Firefox and Pale Moon carry and the modern list that
 * follows the WHATWG Fetch "bad ports").
 */
const CLASSIC_BLOCKED_PORTS = [
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 77, 79, 87, 95, 101, 102, 103, 104, 109,
  110, 111, 113, 115, 117, 119, 123, 135, 139, 143, 179, 389, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 556, 563, 587, 601, 636, 993, 995, 2049, 4045, 6000,
];

const MODERN_BLOCKED_PORTS = [
  69, 137, 161, 427, 548, 554, 989, 990, 1719, 1720, 1723, 3659, 4190, 5060, 5061, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
];

export const FIREFOX_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  ...CLASSIC_BLOCKED_PORTS,
  ...MODERN_BLOCKED_PORTS,
]);

/** macOS Monterey and later run the AirPlay Receiver on these ports. */
const MACOS_AIRPLAY_PORTS: ReadonlySet<number> = new Set([5000, 7000]);

/**
 * Everything about a listening port that will surprise the owner. Pure so that the tray, the
 * GUI and the CLI show the same advice. Port 0 ("any free port") gets none: the real port is
 * not known yet.
 */
export function portWarningsFor(port: number, platform: NodeJS.Platform): Warning[] {
  const out: Warning[] = [];
  if (port === 0) return out;
  if (FIREFOX_BLOCKED_PORTS.has(port)) {
    out.push({
      code: 'port-blocked-by-firefox',
      severity: 'error',
      message: `Port ${port} is on Firefox's list of blocked ports: Firefox and Pale Moon will refuse to connect to it.`,
      hint: 'Choose another port, such as 8173.',
    });
  }
  if (port < 1024) {
    // Windows lets anyone bind low ports, but they still belong to well-known services.
    out.push({
      code: 'port-privileged',
      severity: 'warning',
      message:
        platform === 'win32'
          ? `Port ${port} is below 1024 and reserved for well-known services.`
          : `Port ${port} is below 1024, which usually needs administrator rights.`,
      hint: 'Choose a port above 1024, or put a reverse proxy in front.',
    });
  }
  if (platform === 'darwin' && MACOS_AIRPLAY_PORTS.has(port)) {
    out.push({
      code: 'port-macos-airplay',
      severity: 'warning',
      message: `Port ${port} is used by the macOS AirPlay Receiver.`,
      hint: 'Choose another port, or turn AirPlay Receiver off in System Settings → General → AirDrop & Handoff.',
    });
  }
  return out;
}

/** The same warnings as single sentences, for the CLI's stderr. */
export function portWarnings(port: number, platform: NodeJS.Platform = process.platform): string[] {
  return portWarningsFor(port, platform).map((w) => (w.hint ? `${w.message} ${w.hint}` : w.message));
}
