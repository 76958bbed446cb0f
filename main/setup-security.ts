import type { DesktopElectron } from './desktop-deps.js';
import { lockSession } from './window.js';

/** Locks the session (CSP, permissions, file access) before any window exists. */
export function setupSecurity(
  electron: Pick<DesktopElectron, 'defaultSession'>,
  rendererDirUrl: string,
): void {
  lockSession(electron.defaultSession(), rendererDirUrl);
}
