import type { ServerContext } from '../context.js';
import type { FxaCommandRow, FxaSessionRow } from '../db/fxa-types.js';
import { ERRNO, FxaError } from './errors.js';
import { unknownDevice } from './local-accounts.js';

/** Firefox's command names (FxAccountsCommon.sys.mjs; research firefox-device-commands §1.1). */
export const SEND_TAB = 'https://identity.mozilla.com/cmd/open-uri';
export const CLOSE_TABS = 'https://identity.mozilla.com/cmd/close-uri/v1';

const DAY_S = 24 * 3600;
/** FxA's DEFAULT_COMMAND_TTL: only Send Tab has one. */
const DEFAULT_TTL_S = new Map([[SEND_TAB, 30 * DAY_S]]);
/** FxA's `pushbox.maxTTL`: every command, whatever TTL it asked for, is gone after 28 days. */
const MAX_TTL_S = 28 * DAY_S;
/** The highest `ttl` FxA's invoke schema accepts (seconds). */
export const TTL_LIMIT_S = 10_000_000;
/** FxA's `limit` on `GET /account/device/commands`: 0..100, 100 when absent. */
export const MAX_FETCH = 100;
/**
 * Pending commands one device may hold. FxA has no cap; a household server keeps one so a
 * stuck sender cannot fill the disk (at most 64 KiB each: 1,000 is 64 MiB per device). A
 * person sends a few tabs a day; a device away for the 28 days the commands live stays far below.
 */
const MAX_PENDING = 1000;
/** Expired commands removed per invoke, in its own transaction: bounded work on the request path. */
const PURGE_PER_INVOKE = 50;

export interface InvokeRequest {
  target: string;
  command: string;
  /** The JSON object Firefox sent (`{encrypted}`), already checked to be an object. */
  payload: Record<string, unknown>;
  ttl?: number | undefined;
}

export interface CommandsPage {
  index: number;
  last: boolean;
  messages: { index: number; data: { command: string; payload: unknown; sender?: string } }[];
}

/** Seconds a command lives: the asked TTL, else the command's default, never over 28 days. */
function effectiveTtlSeconds(command: string, ttl: number | undefined): number {
  const asked = ttl ?? DEFAULT_TTL_S.get(command);
  return asked === undefined || asked > MAX_TTL_S ? MAX_TTL_S : asked;
}

/**
 * Each device's queue of commands (Send Tab, Close Tabs), as FxA's pushbox keeps it
 * (research firefox-device-commands §1.3): stored until they expire or their device goes,
 * never deleted by a read; the receiving Firefox keeps its own place in the queue.
 */
export class DeviceCommandQueue {
  constructor(private readonly context: ServerContext) {}

  /** Queues `req` for a device of the caller's own account; another account's is unknown (123). */
  async invoke(session: FxaSessionRow, req: InvokeRequest): Promise<number> {
    const now = this.context.clock();
    const expiresAt = now + effectiveTtlSeconds(req.command, req.ttl) * 1000;
    const index = await this.context.db.transaction('write', async (tx) => {
      const target = await tx.fxaDevice(req.target);
      if (!target || target.uid !== session.uid) throw unknownDevice();
      if (!Object.hasOwn(parseCommands(target.availableCommands), req.command))
        throw new FxaError(400, ERRNO.DEVICE_COMMAND_UNAVAILABLE, 'Unavailable device command');
      // The index first: it locks the account row, so concurrent senders count one at a time
      // and the cap holds; a refusal rolls the counter back with the transaction.
      const index = await tx.fxaNextCommandIndex(session.uid);
      if ((await tx.fxaPendingCommands(target.id, now)) >= MAX_PENDING)
        throw new FxaError(
          400,
          ERRNO.INVALID_PARAMETER,
          'Too many commands are waiting for this device',
          {},
          `device ${target.id} has ${MAX_PENDING} commands waiting`,
        );
      const sender = await tx.fxaDeviceBySession(session.id);
      await tx.fxaInsertCommand({
        deviceId: target.id,
        index,
        command: req.command,
        payload: JSON.stringify(req.payload),
        sender: sender?.id ?? null,
        createdAt: now,
        expiresAt,
      });
      return index;
    });
    await this.context.db.transaction('write', (tx) => tx.fxaPurgeCommands(now, PURGE_PER_INVOKE));
    return index;
  }

  /**
   * The session's own device's commands from `fromIndex` (inclusive), as FxA answers them:
   * `index` is the last one returned (0 when none), so Firefox's next `index + 1` misses nothing;
   * `last` tells whether the device's newest command was reached.
   */
  async fetch(session: FxaSessionRow, fromIndex: number, limit: number): Promise<CommandsPage> {
    const now = this.context.clock();
    const page = await this.context.db.transaction('read', async (tx) => {
      const device = await tx.fxaDeviceBySession(session.id);
      if (!device) return null;
      const rows = await tx.fxaDeviceCommands(device.id, fromIndex, now, limit);
      const newest = await tx.fxaLastCommandIndex(device.id);
      const lastIndex = rows.at(-1)?.index ?? 0;
      return {
        deviceId: device.id,
        index: lastIndex,
        last: lastIndex === newest || newest === 0 || rows.length === 0,
        messages: rows.map(message),
      };
    });
    if (!page) return { index: 0, last: true, messages: [] };
    const { deviceId, ...answer } = page;
    // Handed out: a password change drops these rather than replay them (finishPasswordChange).
    // Only a fetch that returned something writes, so Firefox's idle polls stay reads.
    if (answer.messages.length)
      await this.context.db.transaction('write', (tx) => tx.fxaMarkDelivered(deviceId, answer.index));
    return answer;
  }
}

function message(row: FxaCommandRow): CommandsPage['messages'][number] {
  const data: CommandsPage['messages'][number]['data'] = {
    command: row.command,
    payload: JSON.parse(row.payload) as unknown,
  };
  if (row.sender !== null) data.sender = row.sender;
  return { index: row.index, data };
}

/** A device's stored `availableCommands` (JSON object text, written by POST /account/device). */
function parseCommands(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
