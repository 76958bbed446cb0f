/**
 * The poll Firefox makes inside its own device-list fetch gets no commands.
 *
 * Foxden lists every device with `pushCallback: null`, so each real device-list fetch makes
 * Firefox register again and poll its commands from inside that fetch (research
 * firefox-device-commands §2, P4). When that poll returns a command, Firefox ESR 153 stores the
 * command's index and then, in `_handleCommands`, awaits `refreshDeviceList()`, which hands back
 * the fetch that is itself waiting for the poll: a deadlock. The tab never opens and is never
 * fetched again, and until Firefox restarts it fetches no device list and its sync never ends
 * (the clients engine awaits the same fetch). Measured in test/e2e/firefox-devices.test.ts.
 *
 * So the first poll of a session after Firefox fetched its device list is answered empty; the
 * commands wait for Firefox's next poll that is not inside a fetch (Sync now in the toolbar or
 * app menu, or a scheduled sync's missed-commands fetch), which handles them safely. Firefox
 * always sends `filterIdleDevicesTimestamp` with its fetch; the account page does not, so a look
 * at the page holds nothing back.
 */

/** Firefox polls within milliseconds of the fetch; a mark left by a fetch whose poll never came expires. */
const MARK_TTL_MS = 30_000;
/** A bound on memory: marks are tiny and short-lived, a household has a handful of sessions. */
const MAX_MARKS = 10_000;

export class DeviceListPolls {
  private readonly marks = new Map<string, number>();

  /** Firefox fetched its device list with this session at `now` (its poll follows). */
  listed(sessionId: string, now: number): void {
    this.marks.delete(sessionId);
    if (this.marks.size >= MAX_MARKS) {
      // Map keeps insertion order: the oldest mark goes first.
      const oldest = this.marks.keys().next().value;
      if (oldest !== undefined) this.marks.delete(oldest);
    }
    this.marks.set(sessionId, now);
  }

  /** Whether this poll is the one inside a device-list fetch (true once per fetch). */
  insideListFetch(sessionId: string, now: number): boolean {
    const at = this.marks.get(sessionId);
    if (at === undefined) return false;
    this.marks.delete(sessionId);
    return now - at <= MARK_TTL_MS;
  }
}
