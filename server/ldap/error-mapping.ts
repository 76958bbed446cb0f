import {
  AdminLimitExceededError,
  BusyError,
  ConfidentialityRequiredError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ResultCodeError,
  StrongAuthRequiredError,
  TimeLimitExceededError,
  UnavailableError,
  UnwillingToPerformError,
} from 'ldapts';
import {
  DirectoryConfigError,
  type DirectoryError,
  type DirectoryStep,
  DirectoryUnavailableError,
} from './errors.js';

/**
 * What ldapts (or the socket under it) threw, as Foxden's typed directory failure with one plain
 * line. Anything not recognised is "unavailable": a retry (503) is the safe answer, never a 401.
 */

/** Socket errors that mean nobody answers at that address (or stopped answering). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Node's codes for a certificate that does not verify (OpenSSL's names, and the host check). */
const CERTIFICATE_CODE = /CERT|SIGNATURE|ISSUER|ALTNAME|SELF_SIGNED|UNABLE_TO_VERIFY/u;

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').find((line) => line.trim() !== '') ?? 'unknown error';
}

/** The line for an ldapts result code: its name without "Error", e.g. "InvalidCredentials (49)". */
function resultName(err: ResultCodeError): string {
  return `${err.constructor.name.replace(/Error$/u, '')} (${err.code})`;
}

export interface FailureContext {
  step: DirectoryStep;
  /** The directory's URL, named in every message. */
  url: string;
  /** The DN the step was about (search base, group, service account), for the message. */
  dn?: string | null;
  timeoutMs: number;
  /** Who the search runs as, for the message: the service account's DN, or "anonymous". */
  reader?: string;
}

export function timedOut(context: FailureContext): DirectoryUnavailableError {
  const what =
    context.step === 'connect' ? 'did not accept a connection' : `did not answer (${context.step})`;
  return new DirectoryUnavailableError(
    `LDAP directory at ${context.url} ${what} within ${context.timeoutMs / 1000} s`,
    context.step,
  );
}

export function toDirectoryError(err: unknown, context: FailureContext): DirectoryError {
  const { step, url } = context;
  const code = codeOf(err);
  const line = firstLine(err);
  if (NETWORK_CODES.has(code)) {
    return new DirectoryUnavailableError(`LDAP directory at ${url} is unreachable: ${line}`, 'connect');
  }
  if (code && CERTIFICATE_CODE.test(code)) {
    return new DirectoryConfigError(
      `LDAP directory at ${url}: its TLS certificate is not trusted (${code}); give its CA as ldap_ca_file`,
      'tls',
    );
  }
  if (
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    (step === 'tls' && !(err instanceof ResultCodeError))
  ) {
    if (/timed out|closed|reset/iu.test(line))
      return new DirectoryUnavailableError(`LDAP directory at ${url}: TLS failed: ${line}`, 'tls');
    return new DirectoryConfigError(`LDAP directory at ${url}: TLS failed: ${line}`, 'tls');
  }
  // ldapts's own connect timer says "Connection timeout" whatever the step that connected.
  if (line === 'Connection timeout') return timedOut({ ...context, step: 'connect' });
  if (/timed out|timeout/iu.test(line)) return timedOut(context);
  if (/connection closed|socket error/iu.test(line)) {
    return new DirectoryUnavailableError(`LDAP directory at ${url} closed the connection (${step})`, step);
  }
  if (err instanceof ResultCodeError) return fromResultCode(err, context);
  return new DirectoryUnavailableError(`LDAP directory at ${url}: ${step} failed: ${line}`, step);
}

function fromResultCode(err: ResultCodeError, context: FailureContext): DirectoryError {
  const { step, url, dn } = context;
  const name = resultName(err);
  if (
    err instanceof BusyError ||
    err instanceof UnavailableError ||
    err instanceof TimeLimitExceededError ||
    err instanceof AdminLimitExceededError
  )
    return new DirectoryUnavailableError(`LDAP directory at ${url} is busy or unavailable: ${name}`, step);
  if (step === 'tls')
    return new DirectoryConfigError(`LDAP directory at ${url} refused StartTLS: ${name}`, step);
  if (err instanceof StrongAuthRequiredError || err instanceof ConfidentialityRequiredError)
    return new DirectoryConfigError(
      `LDAP directory at ${url} requires an encrypted connection: use ldaps:// or use_tls = true`,
      step,
    );
  if (
    step === 'service-bind' &&
    (err instanceof InvalidCredentialsError ||
      err instanceof UnwillingToPerformError ||
      err instanceof InvalidDNSyntaxError)
  )
    return new DirectoryConfigError(
      `LDAP directory at ${url} refused the service account ${dn ?? ''}: ${name}`,
      step,
    );
  if (err instanceof NoSuchObjectError || err instanceof InvalidDNSyntaxError) {
    const what = step === 'group' ? 'required_group' : 'search_root';
    // A directory also answers "no such object" for an entry the account may not read.
    return new DirectoryConfigError(
      `LDAP directory at ${url} has no entry ${dn ?? ''} (${what}), or ${context.reader ?? 'the account searching'} may not read it`,
      step,
    );
  }
  if (err instanceof InsufficientAccessError)
    return new DirectoryConfigError(
      `LDAP directory at ${url}: the service account may not ${step === 'group' ? 'read the group' : 'search'}: ${name}`,
      step,
    );
  return new DirectoryUnavailableError(`LDAP directory at ${url}: ${step} failed: ${name}`, step);
}
