import os from 'node:os';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/** Said once per process: the reason is the same every time the addresses are read. */
let failureSaid = false;

/**
 * `os.networkInterfaces()`, or none when the system refuses to list them: it throws where
 * netlink sockets are forbidden (a systemd unit whose RestrictAddressFamilies lacks
 * AF_NETLINK, some containers). Only what Foxden shows about this computer's addresses
 * depends on them, so a refusal means "no home-network addresses known", never a failed
 * start. `onFailure` hears the first refusal of this process, in one plain sentence.
 */
export function readNetworkInterfaces(onFailure?: (message: string) => void): Interfaces {
  try {
    return os.networkInterfaces();
  } catch (err) {
    if (!failureSaid && onFailure) {
      failureSaid = true;
      const reason = err instanceof Error ? err.message : String(err);
      onFailure(
        `this computer's network addresses cannot be read (${reason}), so none are shown. ` +
          'Under systemd, add AF_NETLINK to RestrictAddressFamilies.',
      );
    }
    return {};
  }
}
