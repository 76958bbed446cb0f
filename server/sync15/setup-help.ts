/** What to tell the person setting up Firefox, for the CLI's setup-info and the GUI (spec 1.5 §5). */
export interface SetupHelp {
  /** The full token URL; Firefox does not append `/1.0/sync/1.5` itself (spec §5.2). */
  tokenServerUrl: string;
  desktop: {
    pref: 'identity.sync.tokenserver.uri';
    value: string;
    steps: string[];
  };
  android: {
    value: string;
    steps: string[];
  };
}

/** The about:config value and the steps for Firefox desktop and Firefox for Android. */
export function setupHelp(publicUrl: string): SetupHelp {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  const tokenServerUrl = `${base}1.0/sync/1.5`;
  return {
    tokenServerUrl,
    desktop: {
      pref: 'identity.sync.tokenserver.uri',
      value: tokenServerUrl,
      steps: [
        'If Firefox is signed in to Sync, sign out first (Settings → Sync → Sign out).',
        'Open about:config and accept the warning.',
        `Search for identity.sync.tokenserver.uri and set it to ${tokenServerUrl}`,
        'Restart Firefox, then sign in to Sync with your Mozilla account.',
        'If syncing fails, about:sync-log shows why.',
      ],
    },
    android: {
      value: tokenServerUrl,
      steps: [
        'If Firefox is signed in to Sync, sign out first.',
        'Open Settings → About Firefox and tap the Firefox logo 5 times until it says the debug menu is enabled.',
        'Go back to Settings; tap Sync Debug (near the top), then Custom Sync server.',
        `Enter ${tokenServerUrl} and tap OK; Firefox closes to apply it.`,
        'Open Firefox again and sign in to Sync with your Mozilla account.',
      ],
    },
  };
}
