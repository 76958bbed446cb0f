import type { Request, Response } from 'express';
import type { DirectoryAccounts, Sync11Accounts } from '../accounts/index.js';
import type { ServerContext } from '../context.js';
import type { RouteParams } from './routes.js';

/** One request as the handlers see it. */
export interface Call {
  req: Request;
  res: Response;
  context: ServerContext;
  accounts: Sync11Accounts;
  /** `[auth] backend = ldap`: the directory's people sign in instead of `accounts`. */
  directory: DirectoryAccounts | null;
  params: RouteParams;
}

/** A request whose Basic credentials matched the path user. */
export interface AuthedCall extends Call {
  userId: number;
  username: string;
}

/**
 * One method of one route. `run` answers successes itself and throws for everything else: a
 * Sync11Error, or the engine's errors, which errors.ts maps (never sends an error answer).
 */
export interface Endpoint {
  /** Basic auth for the path's user before `run` (index.ts dispatch). */
  auth: boolean;
  run(call: AuthedCall): Promise<void>;
}

/** Body size limits: generous over the protocol limits, but bounded. */
export const USER_API_BODY_LIMIT = 64 * 1024;
export function storageBodyLimit(call: Call): number {
  return Math.max(2 * 1024 * 1024, 4 * call.context.config.sync11.batchMaxBytes + 256 * 1024);
}
