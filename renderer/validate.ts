import type * as z from 'zod/mini';
import type { AdminSettings } from '../server/admin/api.js';
import {
  absolutePath,
  firstProblem,
  settingRules,
  settingsProblem,
} from '../server/admin/settings-schema.js';

/**
 * Client-side checks that mirror the server's (spec 1.1 §3.3, §4.3, §5.10), so most mistakes
 * are caught before a round trip. The settings' checks are the server's own schema; the
 * account checks below are the dashboard's. The server still decides.
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

/** The server's own rules (server/admin/settings-schema.ts): one sentence per mistake, everywhere. */
function problem(schema: z.ZodMiniType, value: unknown): string | null {
  const result = schema.safeParse(value);
  return result.success ? null : firstProblem(result.error).message;
}

/**
 * Absolute on POSIX (/...) or Windows (C:\... or \\server\...): the browser does not know the
 * server's platform, so it accepts both; the server checks again with its own.
 */
const looksAbsolute = (file: string) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(file);
const RULES = settingRules(looksAbsolute);
const PATH = absolutePath(looksAbsolute);

/** A number typed into a text field: digits become a number, anything else is refused as typed. */
export function typedNumber(text: string): number | string {
  const value = text.trim();
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** A port typed into a text field: digits only, then the server's range. */
export function validatePort(text: string): string | null {
  return problem(RULES.port, typedNumber(text));
}

/** Each given setting checked by its own rule: the first problem of each, by field. */
export function settingErrors(values: {
  [K in keyof AdminSettings]?: unknown;
}): Partial<Record<keyof AdminSettings, string>> {
  const errors: Partial<Record<keyof AdminSettings, string>> = {};
  for (const key of Object.keys(values) as (keyof AdminSettings)[]) {
    const message = problem(RULES[key], values[key]);
    if (message) errors[key] = message;
  }
  return errors;
}

/**
 * Whether the URL fits the port and the bind scope is advice, not an error: warnings() reports
 * that after saving.
 */
export function validatePublicUrl(text: string): string | null {
  return problem(RULES.publicUrl, text.trim());
}

export function validatePath(text: string): string | null {
  return problem(PATH, text.trim());
}

/** The number of scheduled backups to keep, typed into a text field. */
export function validateBackupKeep(text: string): string | null {
  return problem(RULES.backupKeep, typedNumber(text));
}

/** The HTTPS choice across its fields (own files need both), as the server checks it on Save. */
export function httpsErrors(draft: {
  https: AdminSettings['https'];
  tlsCertFile: string;
  tlsKeyFile: string;
}): Partial<Record<'tlsCertFile' | 'tlsKeyFile', string>> {
  const found = settingsProblem({
    https: draft.https,
    tlsCertFile: draft.tlsCertFile.trim() || null,
    tlsKeyFile: draft.tlsKeyFile.trim() || null,
  });
  return found?.field === 'tlsCertFile' || found?.field === 'tlsKeyFile'
    ? { [found.field]: found.message }
    : {};
}
