import * as z from 'zod/mini';

/**
 * The one place the owner's settings are defined: their keys, types, limits and the sentence
 * shown when a value breaks a rule. Everything else derives from it: the AdminSettings type,
 * the argument check of `updateSettings` (server/admin/validate.ts, both transports), reading a
 * stored settings file (coerceSettings in server/admin/settings.ts), the electron-store JSON
 * schema (main/settings.ts) and the dashboard's inline checks (renderer/validate.ts).
 *
 * No Node imports: the renderer bundles this file. Whether a path is absolute depends on the
 * platform, so the caller passes that test in (Node's path.isAbsolute on the server, a
 * platform-neutral guess in the browser, where the server still decides). zod/mini keeps the
 * dashboard bundle small; it has the same checks and z.toJSONSchema.
 */

/** Limits shared by validation, the settings file and the dashboard. */
export const PORT_RANGE = { min: 1, max: 65535 } as const;
export const BACKUP_LIMITS = { maxEveryHours: 24 * 30, minKeep: 1, maxKeep: 100 } as const;
export const MAX_TEXT = 1024;
export const MAX_PATH = 4096;
export const MAX_URL = 2048;

export const BIND_SCOPES = ['local', 'lan'] as const;

/**
 * How the sync port speaks (issue 13): plain HTTP, HTTPS with a certificate from Foxden's
 * household CA, or HTTPS with the owner's own certificate and key files.
 */
export const HTTPS_MODES = ['off', 'auto', 'files'] as const;
export type HttpsMode = (typeof HTTPS_MODES)[number];

export type IsAbsolutePath = (file: string) => boolean;

/** One message for every way a number can be wrong: the owner needs the range, not the cause. */
export function wholeNumber(label: string, min: number, max: number) {
  const error = `${label} must be a whole number between ${min} and ${max}.`;
  return z.int({ error }).check(z.gte(min, { error }), z.lte(max, { error }));
}

/** Non-empty text without NUL, at most `max` characters; checks run in this order. */
export function text(label: string, max = MAX_TEXT) {
  return z.string({ error: `${label} must be text.` }).check(
    z.minLength(1, { error: `${label} must not be empty.`, abort: true }),
    z.maxLength(max, { error: `${label} is too long (at most ${max} characters).`, abort: true }),
    z.refine((v) => !v.includes('\0'), { error: `${label} contains a NUL character.`, abort: true }),
  );
}

export function onOff(label: string) {
  return z.boolean({ error: `${label} must be on or off (true or false).` });
}

export function absolutePath(isAbsolute: IsAbsolutePath, label = 'The file path') {
  return text(label, MAX_PATH).check(
    z.refine(isAbsolute, {
      error: `${label} must be a full path (starting at the root of a drive).`,
    }),
  );
}

function parsedUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** An http(s) URL with a host and no spaces, as clients must type it. */
export const publicUrl = text('The public URL', MAX_URL).check(
  z.refine((v) => !/\s/.test(v), { error: 'The public URL must not contain spaces.', abort: true }),
  z.refine((v) => /^https?:\/\//i.test(v), {
    error: 'The public URL must start with http:// or https://.',
    abort: true,
  }),
  z.refine((v) => parsedUrl(v) !== null, {
    error: 'The public URL is not a valid web address.',
    abort: true,
  }),
  z.refine((v) => Boolean(parsedUrl(v)?.hostname), {
    error: 'The public URL needs a host name or address.',
    abort: true,
  }),
  z.refine(
    (v) => {
      const url = parsedUrl(v);
      return !url?.username && !url?.password;
    },
    { error: 'The public URL must not contain a user name or password.', abort: true },
  ),
  z.refine(
    (v) => {
      const url = parsedUrl(v);
      return !url?.search && !url?.hash;
    },
    { error: 'The public URL must not contain "?" or "#".' },
  ),
);

/** The rules of each setting as the owner sets it (the dashboard, the tray, the admin API). */
export function settingRules(isAbsolute: IsAbsolutePath) {
  return {
    port: wholeNumber('The port', PORT_RANGE.min, PORT_RANGE.max),
    bindScope: z.enum(BIND_SCOPES, {
      error: 'Choose "This computer only" (local) or "Home network" (lan).',
    }),
    publicUrl,
    allowNewUsers: onOff('Allow new sign-ups'),
    /** Close sign-ups automatically once the first account exists. */
    autoCloseSignups: onOff('Close sign-ups automatically'),
    openAtLogin: onOff('Open at login'),
    /** The server sits behind a reverse proxy that sets X-Forwarded-*. */
    behindProxy: onOff('Behind a reverse proxy'),
    /** Folder for scheduled backups; null: `<dataDir>/backups` (another disk is safer). */
    backupFolder: z.nullable(absolutePath(isAbsolute)),
    /** Hours between scheduled backups; 0 turns them off. */
    backupEveryHours: wholeNumber('The hours between backups', 0, BACKUP_LIMITS.maxEveryHours),
    /** How many scheduled backups to keep in the folder (older ones Foxden wrote are deleted). */
    backupKeep: wholeNumber('The number of backups to keep', BACKUP_LIMITS.minKeep, BACKUP_LIMITS.maxKeep),
    https: z.enum(HTTPS_MODES, {
      error: 'Choose how the sync port speaks: off, auto (household certificate) or files (your own).',
    }),
    /** PEM certificate (the chain, leaf first) for `https: 'files'`; kept while HTTPS is off. */
    tlsCertFile: z.nullable(absolutePath(isAbsolute, 'The certificate file')),
    /** Its private key (PEM). */
    tlsKeyFile: z.nullable(absolutePath(isAbsolute, 'The key file')),
  };
}

type SettingRules = ReturnType<typeof settingRules>;

/** The owner's settings: what getSettings returns and a settings file holds. */
export type AdminSettings = { [K in keyof SettingRules]: z.infer<SettingRules[K]> };

/**
 * The rules of a stored file, a little wider than what the owner may set: port 0 ("any free
 * port", used by tests and `--port 0`) and a public URL checked for type and length only, so a
 * file written by an older version still loads.
 */
export function storedSettingRules(isAbsolute: IsAbsolutePath) {
  return {
    ...settingRules(isAbsolute),
    port: wholeNumber('The port', 0, PORT_RANGE.max),
    publicUrl: text('The public URL', MAX_URL),
  };
}

/** The keys of AdminSettings, in the order the dashboard and the settings file list them. */
export const SETTING_KEYS = Object.keys(settingRules(() => true)) as (keyof AdminSettings)[];

/**
 * A partial update (`updateSettings(patch)`): only known keys; a key that is present must hold
 * a valid value (`{ port: undefined }` is refused, not read as "unchanged").
 */
export function settingsPatchSchema(isAbsolute: IsAbsolutePath) {
  const rules = settingRules(isAbsolute);
  const shape = Object.fromEntries(
    Object.entries(rules).map(([key, rule]) => [key, z.exactOptional(rule)]),
  ) as { [K in keyof SettingRules]: z.ZodMiniExactOptional<SettingRules[K]> };
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? 'The settings must be an object.' : undefined),
  });
}

/**
 * Rules across fields, checked on the settings as they would be after a save (each field's own
 * rule has passed): own certificate files need both files. The dashboard asks the same.
 */
export function settingsProblem(
  settings: Pick<AdminSettings, 'https' | 'tlsCertFile' | 'tlsKeyFile'>,
): SettingProblem | null {
  if (settings.https !== 'files') return null;
  if (!settings.tlsCertFile) {
    return {
      message: 'Your own certificate needs a certificate file: give its full path.',
      field: 'tlsCertFile',
    };
  }
  if (!settings.tlsKeyFile) {
    return { message: 'Your own certificate needs its key file: give its full path.', field: 'tlsKeyFile' };
  }
  return null;
}

/** The first problem zod found, as one sentence and the field it concerns. */
export interface SettingProblem {
  message: string;
  field?: string;
}

export function firstProblem(error: z.core.$ZodError): SettingProblem {
  // An unknown key is named before any value is checked, as the hand-written checks did.
  const unknown = error.issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const key = unknown.keys[0] ?? '';
    return { message: `"${key}" is not something that can be set here.`, field: key };
  }
  const issue = error.issues[0];
  const field = issue?.path[0];
  return {
    message: issue?.message ?? 'The settings are not valid.',
    ...(typeof field === 'string' ? { field } : {}),
  };
}
