import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePrivateDir } from '../../fs/private-path.js';

/**
 * One SQLite database, one server (issue 8, finding 12). Two servers on one file would each
 * keep their own in-memory caches and purge timers; SQLite keeps the data safe, but every
 * client would see two servers' views. CLI commands (`foxden user add`) do not take this lock:
 * they are short, transactional writes the README promises work while the server runs.
 *
 * Why a pid file and not a library: proper-lockfile (the usual choice) decides staleness by a
 * lock directory's mtime, refreshed by a timer; a SIGKILLed server would block the next start
 * for its whole stale period, and it records no process id to name. A pid file checked with
 * process.kill(pid, 0) knows at once whether the holder still runs, on every platform Node
 * supports. Against pid reuse (a crashed server's pid later given to another program, common in
 * containers where every start is pid 1) the file also keeps the holder's start time, which
 * Linux exposes in /proc; and our own pid with no lock held here means a previous life of this
 * process slot, never a live server.
 */
export interface InstanceLock {
  /** Removes the lock file (only if it is still ours). Safe to call twice. */
  release(): void;
}

interface LockRecord {
  pid: number;
  /** /proc/<pid>/stat start time in clock ticks since boot (Linux), else null. */
  start: string | null;
  host: string;
  token: string;
  /** When the lock was taken, for people reading the file. */
  since: string;
}

/** Another live server holds the lock; the message is the one line to show. */
export class InstanceLockError extends Error {
  constructor(
    message: string,
    readonly pid: number,
  ) {
    super(message);
    this.name = 'InstanceLockError';
  }
}

/** Locks this process holds, by lock-file path: the same process re-taking its own lock works. */
const held = new Map<string, string>();

export function lockFileOf(dbFile: string): string {
  return `${path.resolve(dbFile)}.lock`;
}

/**
 * Takes the lock for `dbFile` or throws an Error whose message is one plain line naming the
 * holder's process id. A lock left by a process that is gone is stale and taken over.
 */
export function acquireInstanceLock(dbFile: string): InstanceLock {
  const file = lockFileOf(dbFile);
  ensurePrivateDir(path.dirname(file));
  for (let attempt = 0; attempt < 3; attempt++) {
    const token = crypto.randomBytes(12).toString('hex');
    if (tryCreate(file, token)) {
      held.set(file, token);
      return lockHandle(file, token);
    }
    const record = readRecord(file);
    if (record !== null && isLive(record, file)) {
      const where = record.host === os.hostname() ? '' : ` on ${record.host}`;
      throw new InstanceLockError(
        `Another Foxden server (process ${record.pid}${where}) is already using ${path.resolve(dbFile)}; ` +
          `stop it first, or give this one another --data-dir (if process ${record.pid} is not Foxden, delete ${file}).`,
        record.pid,
      );
    }
    // Stale (or unreadable, e.g. cut short by a crash): remove it only if it is still the same
    // file we judged, then try again. Another starter doing the same can only make us retry.
    removeIfUnchanged(file, record);
  }
  throw new Error(`Could not take the server lock ${file}; another Foxden is starting at the same time.`);
}

/** The live holder of the lock for `dbFile`, or null when nobody (alive) holds it. */
export function readInstanceLock(dbFile: string): { pid: number } | null {
  const file = lockFileOf(dbFile);
  const record = readRecord(file);
  if (record === null || !isLive(record, file)) return null;
  return { pid: record.pid };
}

function lockHandle(file: string, token: string): InstanceLock {
  return {
    release() {
      if (held.get(file) !== token) return;
      held.delete(file);
      const record = readRecord(file);
      if (record?.token === token) fs.rmSync(file, { force: true });
    },
  };
}

/**
 * Writes the record to a temporary file, then links it into place: link fails with EEXIST if a
 * lock exists, and a reader never sees a half-written lock (as it could with O_EXCL + write).
 */
function tryCreate(file: string, token: string): boolean {
  const record: LockRecord = {
    pid: process.pid,
    start: startTimeOf(process.pid),
    host: os.hostname(),
    token,
    since: new Date().toISOString(),
  };
  const temp = `${file}.${token}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function readRecord(file: string): LockRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return null;
    return {
      pid: value.pid,
      start: typeof value.start === 'string' ? value.start : null,
      host: typeof value.host === 'string' ? value.host : os.hostname(),
      token: typeof value.token === 'string' ? value.token : '',
      since: typeof value.since === 'string' ? value.since : '',
    };
  } catch {
    return null;
  }
}

function isLive(record: LockRecord, file: string): boolean {
  // Another machine's process cannot be checked from here (a data dir on a network share):
  // assume it runs, and the message names the host.
  if (record.host !== os.hostname()) return true;
  if (record.pid === process.pid) return held.get(file) === record.token;
  try {
    process.kill(record.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = startTimeOf(record.pid);
  return record.start === null || start === null || start === record.start;
}

function removeIfUnchanged(file: string, judged: LockRecord | null): void {
  const now = readRecord(file);
  if (judged !== null && now !== null && now.token !== judged.token) return;
  fs.rmSync(file, { force: true });
}

/** Field 22 of /proc/<pid>/stat (start time since boot); null where there is no /proc. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

// A clean exit (including process.exit from a second Ctrl-C) leaves no lock behind; SIGKILL
// does, and the next start sees a dead pid and takes it over.
process.on('exit', () => {
  for (const [file, token] of held) {
    try {
      if (readRecord(file)?.token === token) fs.rmSync(file, { force: true });
    } catch {
      // Exiting anyway; the next start treats the lock as stale.
    }
  }
});
