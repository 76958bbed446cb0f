import { Router } from 'express';
import type { FxaApi } from '../api-context.js';
import type { DeviceListPolls } from '../device-commands-list-poll.js';
import { DeviceCommandQueue, MAX_FETCH, TTL_LIMIT_S } from '../device-commands.js';
import { ERRNO, FxaError, invalidParam, missingParam } from '../errors.js';
import { HEX32, jsonBody, requiredStr, route, sendJson, type JsonObject } from '../http.js';

/** FxA's length limit on a command name (the commands GET schema). */
const COMMAND_MAX = 255;

/** `payload`: a JSON object (Firefox sends `{encrypted}`), as FxA's `isA.object()`. */
function payloadOf(body: JsonObject): Record<string, unknown> {
  const value = body.payload;
  if (value === undefined || value === null) throw missingParam('payload');
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam('payload must be an object');
  return value as Record<string, unknown>;
}

function ttlOf(body: JsonObject): number | undefined {
  const value = body.ttl;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > TTL_LIMIT_S)
    throw invalidParam(`ttl must be an integer from 0 to ${TTL_LIMIT_S}`);
  return value;
}

/** A query parameter as a whole number from 0 to `max`, `fallback` when absent; 400/107 otherwise. */
function queryInt(raw: unknown, name: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw) || Number(raw) > max)
    throw new FxaError(400, ERRNO.INVALID_PARAMETER, `Invalid parameter in request query: ${name}`);
  return Number(raw);
}

/**
 * Send Tab and Close Tabs (research firefox-device-commands §1): the sender queues a command
 * for one of its account's devices, the receiver fetches its queue when it polls. There is no
 * push: the receiving Firefox polls on its own (§2; docs/local-accounts.md says when).
 */
export function deviceCommandRoutes(api: FxaApi, listPolls: DeviceListPolls): Router {
  const { logger } = api.context;
  const queue = new DeviceCommandQueue(api.context);
  const r = Router();

  // The body's size is capped by rawBody (64 KiB, 413 errno 113): Close Tabs bodies are at most
  // about 16 KiB (Firefox chunks its URLs to fit COMMAND_MAX_PAYLOAD_SIZE) and a Send Tab is one
  // encrypted title and URL, so only URLs of tens of kilobytes (data: URLs) are refused.
  r.post(
    '/account/devices/invoke_command',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const body = jsonBody(req);
      const target = requiredStr(body, 'target', { pattern: HEX32 });
      const command = requiredStr(body, 'command', { max: COMMAND_MAX });
      if (!command) throw invalidParam('command is empty');
      const payload = payloadOf(body);
      const ttl = ttlOf(body);
      await queue.invoke(session, { target, command, payload, ttl });
      // `notified: true`: Firefox logs an error for anything less (§1.1). The receiver's own
      // poll is the notification Foxden gives.
      sendJson(res, 200, { enqueued: true, notified: true });
    }),
  );

  r.get(
    '/account/device/commands',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const index = queryInt(req.query.index, 'index', 0, Number.MAX_SAFE_INTEGER);
      const limit = queryInt(req.query.limit, 'limit', MAX_FETCH, MAX_FETCH);
      // Inside Firefox's device-list fetch a command would deadlock it (device-commands-list-poll.ts).
      if (listPolls.insideListFetch(session.id, api.context.clock())) {
        sendJson(res, 200, { index: 0, last: true, messages: [] });
        return;
      }
      sendJson(res, 200, await queue.fetch(session, index, limit));
    }),
  );

  return r;
}
