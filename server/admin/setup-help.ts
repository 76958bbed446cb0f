import { setupHelp } from '../sync15/setup-help.js';
import type { SetupHelp } from './api.js';
import { normalisePublicUrl } from './settings.js';

/** The tokenserver URL Firefox needs in full: it does not append the path (spec 1.5 §5.2). */
export function tokenserverUrl(publicUrl: string): string {
  return normalisePublicUrl(publicUrl) + '1.0/sync/1.5';
}

/**
 * What the owner types into each client: the Sync 1.5 values and steps come from
 * server/sync15/setup-help.ts (spec 1.5 §5) so the CLI and the GUI say the same; the Sync 1.1
 * server URL is the bare base, because those clients append `user/1.0/` themselves (spec 1.1 §9).
 */
export function setupHelpFor(publicUrl: string): SetupHelp {
  const base = normalisePublicUrl(publicUrl);
  const help = setupHelp(base);
  return {
    publicUrl: base,
    desktopPrefs: [
      {
        name: help.desktop.pref,
        value: help.desktop.value,
        purpose: 'Where Firefox exchanges its Mozilla account sign-in for access to this server.',
      },
    ],
    desktopSteps: help.desktop.steps,
    androidSteps: help.android.steps,
    sync11ServerUrl: base,
  };
}
