import { Router } from 'express';
import type { FxaDeviceRow, FxaSessionRow } from '../../db/fxa-types.js';
import type { FxaApi } from '../api-context.js';
import { invalidParam } from '../errors.js';
import { HEX32, jsonBody, requiredStr, route, sendJson, str, type JsonObject } from '../http.js';
import { sessionDeviceId } from '../session-device-id.js';
import { DeviceListPolls } from '../device-commands-list-poll.js';
import { deviceCommandRoutes } from './device-commands.js';

function commandsOf(body: JsonObject, previous: string): string {
  const value = body.availableCommands;
  if (value === undefined || value === null) return previous;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidParam('availableCommands must be an object');
  const entries = Object.entries(value as Record<string, unknown>);
  if (
    entries.length > 32 ||
    entries.some(([k, v]) => k.length > 256 || typeof v !== 'string' || v.length > 8192)
  ) {
    throw invalidParam('availableCommands');
  }
  return JSON.stringify(value);
}

/**
 * A device as FxA lists it. Foxden pushes to no device, so `pushCallback` is always null, even
 * when Firefox registered Mozilla's endpoint: an own entry without a callback makes Firefox
 * register again and fetch its missed commands at every real device-list fetch (research
 * firefox-device-commands §2, P4). That is how a sent tab reaches it without push.
 */
function deviceJson(d: FxaDeviceRow, currentSessionId: string | null): JsonObject {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    isCurrentDevice: d.sessionId !== null && d.sessionId === currentSessionId,
    lastAccessTime: d.lastAccessAt,
    createdAt: d.createdAt,
    pushCallback: null,
    pushPublicKey: null,
    pushAuthKey: null,
    pushEndpointExpired: false,
    availableCommands: JSON.parse(d.availableCommands) as unknown,
  };
}

/** The name the caller's own entry has until its Firefox registers (Firefox never shows it). */
const UNREGISTERED_NAME = 'Firefox';

/**
 * The caller's own entry before its session registered a device (research §5): the list is
 * then never empty (Firefox logs "No devices available for queued tab commands" for `[]`),
 * and its null `pushCallback` makes Firefox register at once. The id is the one this session's
 * registration will get (sessionDeviceId), so the device keeps it.
 */
function unregisteredSelf(session: FxaSessionRow, now: number): JsonObject {
  return {
    // Never taken by another session: saveDevice refuses to move a live session's device.
    id: sessionDeviceId(session.id),
    name: UNREGISTERED_NAME,
    type: 'desktop',
    isCurrentDevice: true,
    lastAccessTime: now,
    availableCommands: {},
    pushCallback: null,
    pushPublicKey: null,
    pushAuthKey: null,
    pushEndpointExpired: false,
  };
}

/** Device routes Firefox calls (spec §3.5, §4.1 #8–13). No push: Foxden works offline. */
export function deviceRoutes(api: FxaApi): Router {
  const { context } = api;
  const { logger } = context;
  const r = Router();
  const listPolls = new DeviceListPolls();

  r.post(
    '/account/device',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const body = jsonBody(req);
      const id = str(body, 'id', { pattern: HEX32 });
      const name = str(body, 'name', { max: 255 });
      const type = str(body, 'type', { max: 16, pattern: /^[a-z]+$/ });
      const pushCallback = str(body, 'pushCallback', { max: 255 });
      const pushPublicKey = str(body, 'pushPublicKey', { max: 88 });
      const pushAuthKey = str(body, 'pushAuthKey', { max: 24 });
      const now = context.clock();
      const device = await api.accounts.saveDevice(
        session,
        { id, name, type, pushCallback, pushPublicKey, pushAuthKey },
        (previous) => commandsOf(body, previous),
        now,
      );
      sendJson(res, 200, deviceJson(device, session.id));
    }),
  );

  r.get(
    '/account/devices',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const since = Number(req.query.filterIdleDevicesTimestamp);
      const devices = await api.accounts.devices(session.uid);
      const shown =
        Number.isFinite(since) && since > 0
          ? devices.filter((d) => d.lastAccessAt >= since || d.sessionId === session.id)
          : devices;
      const listed = shown.map((d) => deviceJson(d, session.id));
      if (!devices.some((d) => d.sessionId === session.id))
        listed.push(unregisteredSelf(session, context.clock()));
      // Firefox's own fetch (the account page sends no filter): its poll comes from inside it.
      if (req.query.filterIdleDevicesTimestamp !== undefined) listPolls.listed(session.id, context.clock());
      sendJson(res, 200, listed);
    }),
  );

  r.post(
    '/account/device/destroy',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const id = requiredStr(jsonBody(req), 'id', { pattern: HEX32 });
      await api.accounts.destroyDevice(session.uid, id);
      sendJson(res, 200, {});
    }),
  );

  // Nobody to notify without push; Firefox logs an error-sync file on a 404 (spec §8).
  r.post(
    '/account/devices/notify',
    route(logger, async (req, res) => {
      await api.session(req);
      jsonBody(req);
      sendJson(res, 200, {});
    }),
  );

  r.use(deviceCommandRoutes(api, listPolls));

  r.get(
    '/account/attached_clients',
    route(logger, async (req, res) => {
      await api.session(req);
      sendJson(res, 200, []);
    }),
  );

  r.post(
    '/account/attached_client/destroy',
    route(logger, async (req, res) => {
      await api.session(req);
      sendJson(res, 200, {});
    }),
  );

  return r;
}
