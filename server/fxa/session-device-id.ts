import { createHash } from 'node:crypto';

/**
 * The id a session's device gets when it registers without one (32 hex, as FxA's): fixed by
 * the session, so the caller's own entry in `GET /account/devices` before registering
 * (routes/devices.ts) names the device that registration then creates. The session id is the
 * token's public Hawk id, and a hash of it gives nothing that signs a request.
 */
export function sessionDeviceId(sessionId: string): string {
  return createHash('sha256').update(`foxden session device\0${sessionId}`).digest('hex').slice(0, 32);
}
