import { AdminError, type AdminApi, type AdminErrorShape, type AdminMethod } from './api.js';
import { validateArgs } from './validate.js';

/** The outcome of one admin call: its value, or the one admin error shape (never a throw). */
export type AdminResult<T = unknown> = { ok: true; value: T } | { ok: false; error: AdminErrorShape };

/**
 * The one place an admin call is made, for both transports (Electron IPC in main/ipc.ts,
 * loopback HTTP in http-transport.ts): check and normalise the arguments, call the AdminApi
 * method, and turn whatever it threw into AdminErrorShape. The transports keep only their
 * own concerns (who may call; how the result travels). An unknown method is 'not-found',
 * bad arguments are 'invalid-argument' and the service is not called; an error that is not
 * an AdminError is 'internal' (the transport logs those: they are bugs, not the owner's input).
 */
export async function dispatch(api: AdminApi, method: string, args: unknown): Promise<AdminResult> {
  try {
    // validateArgs throws AdminError('not-found') for a name that is not an AdminApi method.
    const checked = validateArgs(method as AdminMethod, args) as unknown[];
    const fn = api[method as AdminMethod] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await fn.apply(api, checked) };
  } catch (err) {
    return { ok: false, error: toErrorShape(err) };
  }
}

/** Maps anything a call threw to the shape the GUI shows. */
export function toErrorShape(err: unknown): AdminErrorShape {
  if (err instanceof AdminError) return err.toShape();
  const message = err instanceof Error && err.message ? err.message : 'Something went wrong.';
  return { code: 'internal', message };
}
