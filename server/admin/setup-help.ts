import { publicRoot } from '../fxa/page/client-configuration.js';
import { setupHelp } from '../sync15/setup-help.js';
import type { SetupHelp } from './api.js';
import type { HttpsMode } from './settings-schema.js';
import { normalisePublicUrl } from './settings.js';
import { trustCaHelp } from './trust-ca-help.js';

/** How the sync port speaks, for the help: the mode and, in `auto`, the household CA (if made yet). */
export interface HttpsHelpFacts {
  https: HttpsMode;
  /** The household CA's SHA-256 fingerprint; null before the first start in `auto` mode. */
  caFingerprint256: string | null;
}

/** The tokenserver URL Firefox needs in full: it does not append the path (spec 1.5 §5.2). */
export function tokenserverUrl(publicUrl: string): string {
  return setupHelp(publicUrl).tokenServerUrl;
}

/**
 * What comes later without Mozilla's push service (docs/local-accounts.md; research
 * firefox-device-commands §2, §3): Firefox asks for sent tabs and refreshes its device list
 * only at these moments, so the owner learns the delays here, not from a family member.
 */
const LOCAL_ACCOUNTS_DELAYS = [
  'Send tab to device works, but a sent tab opens on the other computer only when someone clicks Sync now in its toolbar or app menu there, or by itself once a day. For quicker delivery set identity.fxaccounts.commands.missed.fetch_interval to 300 (Number) in about:config on the receiving computer: it then asks at every scheduled sync, about every 10 minutes while in use.',
  'A computer that just signed in shows up in the other computers’ synced tabs and Send tab lists after they restart Firefox, or by itself within about 2 hours: without Mozilla’s push service nothing can tell them sooner.',
];

/**
 * Firefox without a Mozilla account: `autoconfig.uri` is the only URL to set, because
 * autoconfig fills in the others at sign-in and sign-out resets them (fxa-local spec §2.2);
 * `allowHttp` only for a plain http address (spec §2.1, `ensureHTTPS`).
 */
function localAccountsHelp(
  publicUrl: string,
  tokenUrl: string,
): Pick<SetupHelp, 'localAccountsPrefs' | 'localAccountsSteps' | 'androidLocalSteps'> {
  // Firefox drops one trailing "/" from the autoconfig root and serves the sign-in page's
  // WebChannel from exactly that origin (fxa-local spec §2.2, §2.3): give it without the slash.
  const root = publicRoot(publicUrl);
  const plainHttp = /^http:/i.test(root);
  const prefs: SetupHelp['localAccountsPrefs'] = [
    {
      name: 'identity.fxaccounts.autoconfig.uri',
      value: root,
      purpose: 'Where Firefox finds Foxden’s sign-in page and accounts server.',
    },
  ];
  if (plainHttp) {
    prefs.push({
      name: 'identity.fxaccounts.allowHttp',
      value: 'true',
      purpose: 'Lets Firefox sign in over plain http (add it as a Boolean).',
    });
  }
  const steps = [
    'If this Firefox is signed in to a Mozilla account, sign out first (Settings → Sync → Sign out).',
    'Open about:config and accept the warning.',
    `Search for identity.fxaccounts.autoconfig.uri and set it to ${root}`,
    ...(plainHttp
      ? ['Search for identity.fxaccounts.allowHttp, choose Boolean, click + and make sure it reads true.']
      : []),
    'Leave identity.sync.tokenserver.uri alone: Firefox fills it in from Foxden when you sign in.',
    'Restart Firefox, then Settings → Sync → Sign in, with the e-mail and password of a local account.',
    ...LOCAL_ACCOUNTS_DELAYS,
  ];
  const androidLocalSteps = [
    'If Firefox is signed in to Sync, sign out first.',
    'Open Settings → About Firefox and tap the Firefox logo 5 times until it says the debug menu is enabled.',
    'Go back to Settings; tap Sync Debug (near the top), then Custom Mozilla account server.',
    `Enter ${root} and tap OK.`,
    `Tap Custom Sync server, enter ${tokenUrl} and tap OK; Firefox closes to apply it.`,
    'Open Firefox again and sign in to Sync with the e-mail and password of a local account.',
  ];
  return { localAccountsPrefs: prefs, localAccountsSteps: steps, androidLocalSteps };
}

/**
 * What the owner types into each client (with the household CA, trusting it comes first): the Sync 1.5 values and steps come from
 * server/sync15/setup-help.ts (spec 1.5 §5) so the CLI and the GUI say the same; the Sync 1.1
 * server URL is the bare base, because those clients append `user/1.0/` themselves (spec 1.1 §9).
 */
export function setupHelpFor(
  publicUrl: string,
  https: HttpsHelpFacts = { https: 'off', caFingerprint256: null },
): SetupHelp {
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
    ...localAccountsHelp(base, help.tokenServerUrl),
    // Own certificate files: issued by a CA the devices already trust (or the owner's own).
    trustCa: https.https === 'auto' ? trustCaHelp(base, https.caFingerprint256) : null,
  };
}
