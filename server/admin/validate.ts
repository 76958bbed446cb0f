import path from 'node:path';
import type * as z from 'zod/mini';
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
  publicUrl,
  settingRules,
  settingsPatchSchema,
} from './settings-schema.js';

/**
 * Argument checks for every AdminApi method, shared by both transports (HTTP here, Electron
 * IPC in main/ipc.ts): whatever a form or a hostile caller sends, the service only ever sees
 * well-typed arguments. Each refusal is an AdminError('invalid-argument') naming the field.
 * The settings' rules live in settings-schema.ts; this file applies them.
 */

type Args<M extends AdminMethod> = Parameters<AdminApi[M]>;
type Validator<M extends AdminMethod> = (args: readonly unknown[]) => Args<M>;

const MAX_TEXT = 1024;
const MAX_LOG_LIMIT = 2000;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** Built once: the rules with this platform's idea of an absolute path. */
const SETTING_RULES = settingRules(path.isAbsolute);
const SETTINGS_PATCH = settingsPatchSchema(path.isAbsolute);
const ABSOLUTE_PATH = absolutePath(path.isAbsolute);
const USERNAME = /^[A-Za-z0-9._-]{1,32}$/;
const LOCAL_UID = /^[0-9a-f]{32}$/;

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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string, field?: string): Record<string, unknown> {
  if (!isRecord(value)) fail(`${what} must be an object.`, field);
  return value;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`"${key}" is not something that can be set here.`, key);
  }
}

function text(value: unknown, field: string, label: string, max = MAX_TEXT): string {
  if (typeof value !== 'string') fail(`${label} must be text.`, field);
  if (value.length === 0) fail(`${label} must not be empty.`, field);
  if (value.length > max) fail(`${label} is too long (at most ${max} characters).`, field);
  if (value.includes('\0')) fail(`${label} contains a NUL character.`, field);
  return value;
}

function bool(value: unknown, field: string, label: string): boolean {
  if (typeof value !== 'boolean') fail(`${label} must be on or off (true or false).`, field);
  return value;
}

function integer(value: unknown, field: string, label: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${label} must be a whole number between ${min} and ${max}.`, field);
  }
  return value;
}

export function validatePort(value: unknown, field = 'port'): number {
  return check(SETTING_RULES.port, value, field);
}

/** An http(s) URL with a host and no spaces, as clients must type it. */
export function validatePublicUrl(value: unknown, field = 'publicUrl'): string {
  return check(publicUrl, value, field);
}

/** "Must contain @ and a dot after it": the real check is the accounts module's. */
export function validateEmail(value: unknown, field = 'email'): string {
  const email = text(value, field, 'The e-mail address', 254);
  const at = email.indexOf('@');
  if (at < 1 || !email.slice(at + 1).includes('.') || email.endsWith('.')) {
    fail('The e-mail address must look like name@example.org.', field);
  }
  if (/\s/.test(email)) fail('The e-mail address must not contain spaces.', field);
  return email;
}

export function validatePassword(value: unknown, field = 'password'): string {
  const password = text(value, field, 'The password');
  if ([...password].length < 8) fail('The password needs at least 8 characters.', field);
  return password;
}

export function validateAbsolutePath(value: unknown, field = 'path'): string {
  return check(ABSOLUTE_PATH, value, field);
}

function validateSettingsPatch(value: unknown): Partial<AdminSettings> {
  return check(SETTINGS_PATCH, value);
}

function validateAccountName(value: unknown): string {
  const name = text(value, 'name', 'The name', 254);
  if (name.includes('@')) return validateEmail(name, 'name');
  if (!USERNAME.test(name)) {
    fail(
      'A username is 1–32 characters from a–z, 0–9, ".", "_" and "-" (or give an e-mail address).',
      'name',
    );
  }
  return name;
}

function validateCreateAccount(value: unknown): CreateAccountInput {
  const input = record(value, 'The new account');
  onlyKeys(input, ['kind', 'name', 'password']);
  if (input.kind !== 'sync11' && input.kind !== 'local')
    fail('The account kind must be "sync11" or "local".', 'kind');
  const name = input.kind === 'local' ? validateEmail(input.name, 'name') : validateAccountName(input.name);
  return { kind: input.kind, name, password: validatePassword(input.password) };
}

function accountRef(input: Record<string, unknown>): AccountRef {
  const kind = input.kind;
  if (kind !== 'sync11' && kind !== 'sync15' && kind !== 'local') {
    fail('The account kind must be "sync11", "sync15" or "local".', 'kind');
  }
  const id = text(input.id, 'id', 'The account', 256);
  if (kind === 'sync15' && !/^[1-9][0-9]{0,15}$/.test(id))
    fail('A Sync 1.5 account is named by its number.', 'id');
  if (kind === 'sync11' && !USERNAME.test(id)) fail('That is not a Sync 1.1 username.', 'id');
  // A local account is named by its uid: 32 lower-case hex digits, as server/fxa makes them.
  if (kind === 'local' && !LOCAL_UID.test(id)) fail('That is not a local account id.', 'id');
  return { kind, id };
}

function validateAccountRef(value: unknown): AccountRef {
  const input = record(value, 'The account');
  onlyKeys(input, ['kind', 'id']);
  return accountRef(input);
}

function validateResetPassword(value: unknown): ResetPasswordInput {
  const input = record(value, 'The password reset');
  onlyKeys(input, ['kind', 'id', 'password']);
  return { ...accountRef(input), password: validatePassword(input.password) };
}

function validateLogQuery(value: unknown): LogQuery {
  if (value === undefined) return {};
  const query = record(value, 'The log filter');
  onlyKeys(query, ['afterSeq', 'level', 'user', 'status', 'statusClass', 'limit']);
  const out: LogQuery = {};
  if (query.afterSeq !== undefined)
    out.afterSeq = integer(query.afterSeq, 'afterSeq', 'afterSeq', 0, Number.MAX_SAFE_INTEGER);
  if (query.level !== undefined) {
    if (!LOG_LEVELS.includes(query.level as LogLevel))
      fail('The level must be debug, info, warn or error.', 'level');
    out.level = query.level as LogLevel;
  }
  if (query.user !== undefined) out.user = text(query.user, 'user', 'The user', 256);
  if (query.status !== undefined) out.status = integer(query.status, 'status', 'The status', 100, 599);
  if (query.statusClass !== undefined)
    out.statusClass = bool(query.statusClass, 'statusClass', 'statusClass');
  if (query.limit !== undefined) out.limit = integer(query.limit, 'limit', 'The limit', 1, MAX_LOG_LIMIT);
  return out;
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
  const options = record(args[1], 'The backup options');
  onlyKeys(options, ['replace']);
  if (options.replace === undefined) return [destination, {}];
  return [destination, { replace: bool(options.replace, 'replace', 'Replace') }];
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
