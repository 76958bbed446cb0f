import type { SetupHelp } from '../admin/api.js';
import { JsonFileSettingsStore } from '../admin/settings-store.js';
import { readSaved } from '../admin/headless.js';
import { isLoopbackHost, mergeHeadlessSettings, settingsToConfig } from '../admin/settings.js';
import { householdCaFingerprint } from '../admin/household-ca-info.js';
import { setupHelpFor, tokenserverUrl, type HttpsHelpFacts } from '../admin/setup-help.js';
import { loadConfig } from '../config-load.js';
import { withDirectoryLibrary } from '../directory-library.js';
import { parseCommandArgs } from './args.js';
import type { CliIo } from './io.js';
import { SERVE_OPTIONS, serveFlags } from './serve.js';

/** Every serve option is accepted, so a serve command line works with `serve` swapped out. */
const SETUP_INFO_OPTIONS = { ...SERVE_OPTIONS, json: { type: 'boolean' } } as const;

/** What `--json` prints: the dashboard's setup help plus the token URL and the warnings. */
export interface SetupInfo extends SetupHelp {
  tokenServerUrl: string;
  warnings: string[];
}

/**
 * The public URL `foxden serve` would announce with the same arguments: defaults < ini file <
 * settings saved from the dashboard < environment < flags (the same merge as
 * server/admin/headless.ts).
 */
async function effectiveSettings(
  args: string[],
  io: CliIo,
): Promise<{ publicUrl: string; https: HttpsHelpFacts; notes: string[] }> {
  const { config, notes, origins } = await withDirectoryLibrary(() =>
    loadConfig({ flags: serveFlags(args), env: io.env, cwd: io.cwd }),
  );
  const file = new JsonFileSettingsStore(config.dataDir);
  const effective = file.exists()
    ? settingsToConfig(mergeHeadlessSettings(readSaved(file), config, origins), config)
    : config;
  const mode = effective.tls.mode;
  // The CA the server made in this data folder on its first start with HTTPS auto.
  const caFingerprint256 = mode === 'auto' ? await householdCaFingerprint(config.dataDir) : null;
  return { publicUrl: effective.publicUrl, https: { https: mode, caFingerprint256 }, notes };
}

export function setupInfoFor(
  publicUrl: string,
  https: HttpsHelpFacts = { https: 'off', caFingerprint256: null },
): SetupInfo {
  const warnings: string[] = [];
  if (isLoopbackHost(new URL(publicUrl).hostname)) {
    warnings.push(
      `The public URL ${publicUrl} points at this computer only: other devices cannot reach this. ` +
        "Use this computer's network address, e.g. --public-url http://192.168.1.20:8173/.",
    );
  }
  if (https.https === 'auto' && !https.caFingerprint256) {
    warnings.push(
      'The household certificate authority does not exist yet: Foxden creates it when `foxden serve` first starts with --https auto; run this again then to see its fingerprint.',
    );
  }
  return { ...setupHelpFor(publicUrl, https), tokenServerUrl: tokenserverUrl(publicUrl), warnings };
}

function numbered(steps: string[] | undefined): string[] {
  return (steps ?? []).map((step, i) => `  ${i + 1}. ${step}`);
}

function prefs(list: SetupHelp['desktopPrefs']): string[] {
  return list.map((p) => `  ${p.name} = ${p.value}`);
}

/** First, on each device once: trusting the household CA (HTTPS auto only). */
function trustLines(trust: SetupInfo['trustCa']): string[] {
  if (!trust) return [];
  return [
    "Trust this server's certificate (once on each device):",
    `  CA certificate = ${trust.caUrl}`,
    `  SHA-256 fingerprint = ${trust.fingerprint256 ?? '(not created yet: start foxden serve with --https auto)'}`,
    '  Firefox desktop:',
    ...numbered(trust.firefoxDesktopSteps).map((line) => `  ${line}`),
    '  Firefox for Android:',
    ...numbered(trust.androidSteps).map((line) => `  ${line}`),
    '  Pale Moon:',
    ...numbered(trust.paleMoonSteps).map((line) => `  ${line}`),
    '',
  ];
}

export function formatSetupInfo(info: SetupInfo): string {
  return [
    `Foxden setup for ${info.publicUrl}`,
    '',
    ...trustLines(info.trustCa),
    'Firefox desktop with a Mozilla account (about:config):',
    ...prefs(info.desktopPrefs),
    ...numbered(info.desktopSteps),
    '',
    'Firefox desktop without a Mozilla account (Foxden local accounts; about:config):',
    ...prefs(info.localAccountsPrefs),
    ...numbered(info.localAccountsSteps),
    '',
    'Firefox for Android with a Mozilla account (secret settings):',
    `  Custom Sync server = ${info.tokenServerUrl}`,
    ...numbered(info.androidSteps),
    '',
    'Firefox for Android without a Mozilla account (secret settings):',
    ...numbered(info.androidLocalSteps),
    '',
    'Pale Moon and other Sync 1.1 browsers (Use a custom server):',
    `  Server URL = ${info.sync11ServerUrl}`,
    '',
  ].join('\n');
}

/**
 * `foxden setup-info`: what to type into each browser, from the public URL `foxden serve`
 * would use with the same options. Reads the configuration only; the server need not run.
 */
export async function setupInfo(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, SETUP_INFO_OPTIONS, 0);
  const serveArgs = args.filter((arg) => arg !== '--json' && arg !== '--no-json');
  const { publicUrl, https, notes } = await effectiveSettings(serveArgs, io);
  for (const note of notes) io.warn(note);
  const info = setupInfoFor(publicUrl, https);
  for (const warning of info.warnings) io.warn(warning);
  io.stdout.write(values.json === true ? JSON.stringify(info, null, 2) + '\n' : formatSetupInfo(info));
  return 0;
}
