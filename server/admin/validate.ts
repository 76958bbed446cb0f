import path from 'node:path';
import * as z from 'zod/mini';
import type { LogLevel } from '../log.js';
import {
  AdminError,
  type AccountRef,
  type AdminApi,
  type AdminMethod,
  type AdminSettings,
  type CreateAccountInput,
  type LogQuery,
  type ResetPasswordInput,
} from './api.js';
import {
  absolutePath,
  firstProblem,
  onOff,
  publicUrl,
  settingRules,
  settingsPatchSchema,
  text,
  wholeNumber,
} from './settings-schema.js';

/**
 * Argument checks for every AdminApi method, shared by both transports (HTTP here, Electron
 * IPC in main/ipc.ts): whatever a form or a hostile caller sends, the service only ever sees
 * well-typed arguments. Each refusal is an AdminError('invalid-argument') naming the field.
 * The settings' rules and the rule builders (text, onOff, wholeNumber) live in
 * settings-schema.ts; the other methods' schemas are here, built from them.
 */

type Args<M extends AdminMethod> = Parameters<AdminApi[M]>;
type Validator<M extends AdminMethod> = (args: readonly unknown[]) => Args<M>;

const MAX_LOG_LIMIT = 2000;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[];
/** Built once: the rules with this platform's idea of an absolute path. */
const SETTING_RULES = settingRules(path.isAbsolute);
const SETTINGS_PATCH = settingsPatchSchema(path.isAbsolute);
const ABSOLUTE_PATH = absolutePath(path.isAbsolute);
const USERNAME = /^[A-Za-z0-9._-]{1,32}$/;
const LOCAL_UID = /^[0-9a-f]{32}$/;
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const DIRECTORY_ID = /^[^\u0000-\u001f\u007f]{1,256}$/u;
/** A name to look up with "Test connection": what a person types to sign in. */
const DIRECTORY_NAME = text('The name', 256);

function fail(message: string, field?: string): never {
  throw new AdminError('invalid-argument', message, field);
}

/** Parses with one of the shared schemas; a refusal names `field` unless the schema names one. */
function check<T>(schema: z.ZodMiniType<T>, value: unknown, field?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problem = firstProblem(result.error);
  fail(problem.message, problem.field ?? field);
}

/** A plain object with only these keys (an unknown key is named first, as it always was). */
function objectOf<S extends z.core.$ZodLooseShape>(what: string, shape: S) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? `${what} must be an object.` : undefined),
  });
}

/** Optional fields that are present but undefined are left out, as if they were never given. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** "Must contain @ and a dot after it": the real check is the accounts module's. */
const EMAIL = text('The e-mail address', 254).check(
  z.refine(
    (email) => {
      const at = email.indexOf('@');
      return at >= 1 && email.slice(at + 1).includes('.') && !email.endsWith('.');
    },
    { error: 'The e-mail address must look like name@example.org.', abort: true },
  ),
  z.refine((email) => !/\s/.test(email), { error: 'The e-mail address must not contain spaces.' }),
);

const PASSWORD = text('The password').check(
  z.refine((password) => [...password].length >= 8, { error: 'The password needs at least 8 characters.' }),
);

/** A Sync 1.1 account is named by a username or an e-mail address. */
const ACCOUNT_NAME = text('The name', 254).check(
  z.superRefine((name, ctx) => {
    const problem = name.includes('@')
      ? EMAIL.safeParse(name).error?.issues[0]?.message
      : USERNAME.test(name)
        ? undefined
        : 'A username is 1–32 characters from a–z, 0–9, ".", "_" and "-" (or give an e-mail address).';
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: name });
  }),
);

/**
 * A union over `kind` picks its option before it looks at the keys: checking the keys first
 * names an unknown key before a wrong kind, as the hand-written checks did.
 */
function keysFirst<T>(what: string, keys: readonly string[], union: z.ZodMiniType<T>): z.ZodMiniType<T> {
  // Optional here: a missing key is named by the option's own rule ("The name must be text.").
  const shape = Object.fromEntries(keys.map((key) => [key, z.optional(z.unknown())]));
  return z.pipe(objectOf(what, shape), union as z.ZodMiniType<T, Record<string, unknown>>);
}

const CREATE_ACCOUNT = keysFirst(
  'The new account',
  ['kind', 'name', 'password'],
  z.discriminatedUnion(
    'kind',
    [
      objectOf('The new account', { kind: z.literal('sync11'), name: ACCOUNT_NAME, password: PASSWORD }),
      objectOf('The new account', { kind: z.literal('local'), name: EMAIL, password: PASSWORD }),
    ],
    {
      // Typed as invalid_union only, but a value that is not an object is an invalid_type.
      error: (issue) =>
        (issue.code as string) === 'invalid_type'
          ? 'The new account must be an object.'
          : 'The account kind must be "sync11" or "local".',
    },
  ),
);

/** An account is named by its kind and id; each kind has its own id rule. */
const ACCOUNT_IDS = {
  sync15: { pattern: /^[1-9][0-9]{0,15}$/, error: 'A Sync 1.5 account is named by its number.' },
  sync11: { pattern: USERNAME, error: 'That is not a Sync 1.1 username.' },
  // A local account is named by its uid: 32 lower-case hex digits, as server/fxa makes them.
  local: { pattern: LOCAL_UID, error: 'That is not a local account id.' },
  // entryUUID, uidNumber or a DN: any printable text (the service refuses every change anyway).
  directory: { pattern: DIRECTORY_ID, error: 'That is not a directory id.' },
} as const;

function accountRefSchema<S extends z.core.$ZodLooseShape>(what: string, extra: S) {
  const option = <K extends keyof typeof ACCOUNT_IDS>(kind: K) =>
    objectOf(what, {
      kind: z.literal(kind),
      id: text('The account', 256).check(
        z.regex(ACCOUNT_IDS[kind].pattern, { error: ACCOUNT_IDS[kind].error }),
      ),
      ...extra,
    });
  const union = z.discriminatedUnion(
    'kind',
    [option('sync11'), option('sync15'), option('local'), option('directory')],
    {
      error: (issue) =>
        (issue.code as string) === 'invalid_type'
          ? `${what} must be an object.`
          : 'The account kind must be "sync11", "sync15", "local" or "directory".',
    },
  );
  return keysFirst(what, ['kind', 'id', ...Object.keys(extra)], union);
}

const ACCOUNT_REF = accountRefSchema('The account', {});
const RESET_PASSWORD = accountRefSchema('The password reset', { password: PASSWORD });

const LOG_QUERY = objectOf('The log filter', {
  afterSeq: z.optional(wholeNumber('afterSeq', 0, Number.MAX_SAFE_INTEGER)),
  level: z.optional(z.enum(LOG_LEVELS, { error: 'The level must be debug, info, warn or error.' })),
  user: z.optional(text('The user', 256)),
  status: z.optional(wholeNumber('The status', 100, 599)),
  statusClass: z.optional(onOff('statusClass')),
  limit: z.optional(wholeNumber('The limit', 1, MAX_LOG_LIMIT)),
});

const BACKUP_OPTIONS = objectOf('The backup options', { replace: z.optional(onOff('Replace')) });

export function validatePort(value: unknown, field = 'port'): number {
  return check(SETTING_RULES.port, value, field);
}

/** An http(s) URL with a host and no spaces, as clients must type it. */
export function validatePublicUrl(value: unknown, field = 'publicUrl'): string {
  return check(publicUrl, value, field);
}

/** "Must contain @ and a dot after it": the real check is the accounts module's. */
export function validateEmail(value: unknown, field = 'email'): string {
  return check(EMAIL, value, field);
}

export function validatePassword(value: unknown, field = 'password'): string {
  return check(PASSWORD, value, field);
}

export function validateAbsolutePath(value: unknown, field = 'path'): string {
  return check(ABSOLUTE_PATH, value, field);
}

function validateSettingsPatch(value: unknown): Partial<AdminSettings> {
  return check(SETTINGS_PATCH, value);
}

function validateCreateAccount(value: unknown): CreateAccountInput {
  return check(CREATE_ACCOUNT, value);
}

function validateAccountRef(value: unknown): AccountRef {
  return check(ACCOUNT_REF, value);
}

function validateResetPassword(value: unknown): ResetPasswordInput {
  return check(RESET_PASSWORD, value);
}

function validateLogQuery(value: unknown): LogQuery {
  if (value === undefined) return {};
  return defined(check(LOG_QUERY, value));
}

function none<M extends AdminMethod>(): Validator<M> {
  return (args) => {
    if (args.length > 0) fail('This action takes no arguments.');
    return [] as unknown as Args<M>;
  };
}

function one<M extends AdminMethod>(check: (value: unknown) => unknown, optional = false): Validator<M> {
  return (args) => {
    if (args.length > 1) fail('This action takes one argument.');
    if (args.length === 0 && !optional) fail('This action needs an argument.');
    return [check(args[0])] as unknown as Args<M>;
  };
}

/** `backup(path, { replace })`: the options are optional; only `replace` may be set. */
const validateBackupArgs: Validator<'backup'> = (args) => {
  if (args.length === 0) fail('This action needs an argument.');
  if (args.length > 2) fail('This action takes a path and options.');
  const destination = validateAbsolutePath(args[0]);
  if (args.length === 1 || args[1] === undefined) return [destination];
  return [destination, defined(check(BACKUP_OPTIONS, args[1]))];
};

const SCHEMAS: { [M in AdminMethod]: Validator<M> } = {
  status: none(),
  start: none(),
  stop: none(),
  restart: none(),
  getSettings: none(),
  updateSettings: one(validateSettingsPatch),
  listAccounts: none(),
  createAccount: one(validateCreateAccount),
  deleteAccount: one(validateAccountRef),
  resetPassword: one(validateResetPassword),
  directory: none(),
  testDirectory: one((v) => (v === undefined ? undefined : check(DIRECTORY_NAME, v, 'name')), true),
  logs: one(validateLogQuery, true),
  warnings: none(),
  setupHelp: none(),
  backup: validateBackupArgs,
  backupNow: none(),
  backupStatus: none(),
  restore: one((v) => validateAbsolutePath(v)),
};

export function isAdminMethod(name: string): name is AdminMethod {
  return Object.prototype.hasOwnProperty.call(SCHEMAS, name);
}

/** Checks and normalises the arguments of one call; throws AdminError('invalid-argument'). */
export function validateArgs<M extends AdminMethod>(method: M, args: unknown): Args<M> {
  if (!isAdminMethod(method))
    throw new AdminError('not-found', `There is no admin action called "${String(method)}".`);
  if (!Array.isArray(args)) fail('The arguments must be a list.');
  return (SCHEMAS[method] as Validator<M>)(args);
}
