import { Router } from 'express';
import type { FxaDeviceRow } from '../../db/fxa-types.js';
import type { FxaApi } from '../api-context.js';
import { ERRNO, FxaError, invalidParam } from '../errors.js';
import { HEX32, jsonBody, requiredStr, route, sendJson, str, type JsonObject } from '../http.js';

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

function deviceJson(d: FxaDeviceRow, currentSessionId: string | null): JsonObject {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    isCurrentDevice: d.sessionId !== null && d.sessionId === currentSessionId,
    lastAccessTime: d.lastAccessAt,
    createdAt: d.createdAt,
    pushCallback: d.pushCallback,
    pushPublicKey: d.pushPublicKey,
    pushAuthKey: d.pushAuthKey,
    pushEndpointExpired: false,
    availableCommands: JSON.parse(d.availableCommands) as unknown,
  };
}

/** Device routes Firefox calls (spec §3.5, §4.1 #8–13). No push: Foxden works offline. */
export function deviceRoutes(api: FxaApi): Router {
  const { context } = api;
  const { logger } = context;
  const r = Router();

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
      sendJson(
        res,
        200,
        shown.map((d) => deviceJson(d, session.id)),
      );
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

  r.get(
    '/account/device/commands',
    route(logger, async (req, res) => {
      await api.session(req);
      const index = Number(req.query.index);
      sendJson(res, 200, {
        index: Number.isSafeInteger(index) && index >= 0 ? index : 0,
        last: true,
        messages: [],
      });
    }),
  );

  // Refused rather than dropped, so a sent tab never vanishes silently (spec §4.1 #12).
  r.post(
    '/account/devices/invoke_command',
    route(logger, async (req) => {
      await api.session(req);
      throw new FxaError(400, ERRNO.FEATURE_NOT_ENABLED, 'Send Tab is not supported by this Foxden server');
    }),
  );

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
