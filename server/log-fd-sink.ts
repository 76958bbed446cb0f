import fs from 'node:fs';
import { formatLine, streamSink, type LogEvent, type LogSink } from './log.js';

/**
 * Lines gather until this many characters are waiting, then go out in one asynchronous write;
 * while a write is in flight the next batch gathers. Below it, a timer writes them. Each
 * write costs the event loop a thread-pool round trip: with 4 KB batches (some 35 request
 * lines) these were 2.3 % of `foxden serve`'s CPU under GET load (bench/run.ts --profile);
 * at 64 KB the 100 ms timer writes first at up to some 5,000 requests per second.
 */
const BATCH_CHARS = 64 * 1024;
/** The longest a request line waits in memory while the server is quiet. */
const FLUSH_AFTER_MS = 100;
/**
 * Memory bound while the output is slow or stuck (a paused terminal, a full pipe): lines
 * beyond it are dropped and counted, never queued without limit.
 */
const MAX_PENDING_CHARS = 1 << 20;
/** After a failed write (EPIPE, ENOSPC…), lines are dropped and a write retried this often. */
const RETRY_AFTER_MS = 5_000;
/** A non-blocking output that answers EAGAIN (a full pipe) is retried after this long. */
const EAGAIN_RETRY_MS = 50;
/** At exit, EAGAIN gets this many synchronous retries of EAGAIN_RETRY_MS, then the rest is dropped. */
const EXIT_EAGAIN_RETRIES = 20;

export interface FdLogSink extends LogSink {
  /**
   * Writes whatever is waiting, synchronously (process exit). A write in flight is not
   * waited for: its batch may land after these lines (use drain() first where order matters).
   */
  flushSync(): void;
  /** Lines dropped so far because the output failed or fell too far behind. */
  readonly dropped: number;
  /** Resolves once everything logged so far is written (or dropped). */
  drain(): Promise<void>;
  /** Writes what is waiting and detaches from the process (no exit handler, no timer). */
  close(): void;
}

/**
 * The log on a file descriptor (stdout of `foxden serve`): the same lines as before (text or
 * JSON), written in batches by asynchronous writes, so a request costs no write system call
 * and never waits for the disk, the pipe or the terminal.
 *
 * - Lines other than requests (lifecycle, errors, authentication) are written at once: the
 *   "listening" line is what supervisors and scripts wait for.
 * - Request lines wait at most FLUSH_AFTER_MS, or until BATCH_CHARS are waiting.
 * - Order is kept: one write at a time, each with everything that was waiting.
 * - On process exit whatever waits is written synchronously, so a clean stop (SIGTERM, Ctrl-C)
 *   loses nothing. A crash that skips exit handlers (SIGKILL, an out-of-memory abort) loses
 *   what was not written yet: at most FLUSH_AFTER_MS of request lines and under BATCH_CHARS
 *   plus one write in flight (the events stay in the dashboard's ring buffer). A
 *   `process.exit()` while a write is in flight may lose or reorder that one batch.
 * - A failing output (EPIPE when a pipe's reader is gone, ENOSPC on a full disk) never throws
 *   into the server and never hangs its exit: `onFailure` hears of it once per outage, lines
 *   are dropped and counted, a write is retried every RETRY_AFTER_MS, and when one succeeds
 *   a line says how many were dropped.
 *
 * Hand-written rather than sonic-boom (pino's writer): sonic-boom 4.2's flushSync retries
 * every failed write forever (ENOSPC, EPIPE: a 100 ms sleep in a loop), so a stop with a full
 * disk or a closed pipe would hang, and it does not wait for a write in flight.
 */
export function fdSink(
  fd: number,
  format: 'text' | 'json',
  onFailure: (message: string) => void = () => undefined,
): FdLogSink {
  let pending: string[] = [];
  let pendingChars = 0;
  /** The bytes of the write in flight not yet written (a short write leaves some). */
  let inFlight: Buffer | null = null;
  /** The write in flight failed with EAGAIN and waits for its retry: nothing of it was written. */
  let waitingRetry: Buffer | null = null;
  /** A line that must not wait is waiting (written when the write in flight completes). */
  let urgent = false;
  let dropped = 0;
  /** Dropped lines already announced by a "dropped" line (or by one waiting to be written). */
  let announced = 0;
  /**
   * "Dropped" notices waiting in `pending` and in the write in flight, and the counts they
   * announce: a notice that cannot be written is not itself a dropped log line, and what it
   * announced is announced again by the next one.
   */
  let pendingNotices = 0;
  let pendingNoticed = 0;
  let inFlightNotices = 0;
  let inFlightNoticed = 0;
  /** Set by a failed write: lines are dropped until the retry timer fires. */
  let failed = false;
  /** From a failed write until one succeeds: `onFailure` hears of an outage once. */
  let outage = false;
  let closed = false;
  let drainWaiters: (() => void)[] = [];
  const settleDrain = () => {
    if (inFlight !== null || pending.length > 0 || drainWaiters.length === 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const resolve of waiters) resolve();
  };

  // One timer, re-armed with refresh(): nothing is allocated per line.
  let timerArmed = false;
  let timerMs = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    if (timerArmed || closed) return;
    timerArmed = true;
    if (timer !== undefined && timerMs === ms) {
      timer.refresh();
      return;
    }
    clearTimeout(timer);
    timerMs = ms;
    timer = setTimeout(onTimer, ms);
    timer.unref();
  };
  const onTimer = () => {
    timerArmed = false;
    if (failed) {
      failed = false;
      noteDropped();
    }
    if (inFlight === null) startWrite();
    else urgent = true;
  };

  const noteDropped = () => {
    if (dropped <= announced) return;
    const count = dropped - announced;
    announced = dropped;
    const message = `${count} log line${count === 1 ? ' was' : 's were'} dropped: this output could not be written`;
    const line = formatLine({ seq: 0, time: Date.now(), level: 'warn', kind: 'lifecycle', message }, format);
    pending.push(line);
    pendingChars += line.length;
    pendingNotices++;
    pendingNoticed += count;
  };

  const startWrite = () => {
    if (inFlight !== null || pending.length === 0) return;
    urgent = false;
    inFlight = Buffer.from(pending.length === 1 ? (pending[0] as string) : pending.join(''));
    pending = [];
    pendingChars = 0;
    inFlightNotices = pendingNotices;
    inFlightNoticed = pendingNoticed;
    pendingNotices = 0;
    pendingNoticed = 0;
    fs.write(fd, inFlight, 0, inFlight.length, null, onWritten);
  };

  const onWritten = (err: NodeJS.ErrnoException | null, written: number) => {
    const chunk = inFlight as Buffer;
    if (err) {
      if (err.code === 'EAGAIN') {
        waitingRetry = chunk;
        setTimeout(retryWrite, EAGAIN_RETRY_MS).unref();
        return;
      }
      fail(err, chunk);
      return;
    }
    outage = false;
    // Lines dropped while the output fell behind are announced where the log resumes.
    if (dropped > announced) noteDropped();
    if (written < chunk.length) {
      inFlight = chunk.subarray(written);
      fs.write(fd, inFlight, 0, inFlight.length, null, onWritten);
      return;
    }
    inFlight = null;
    inFlightNotices = 0;
    inFlightNoticed = 0;
    if (pending.length === 0) return settleDrain();
    if (urgent || pendingChars >= BATCH_CHARS || drainWaiters.length > 0) startWrite();
    else arm(FLUSH_AFTER_MS);
  };

  const retryWrite = () => {
    // flushSync (at exit) may have written it meanwhile.
    if (waitingRetry === null) return;
    waitingRetry = null;
    const chunk = inFlight as Buffer;
    fs.write(fd, chunk, 0, chunk.length, null, onWritten);
  };

  /** Drops the failed batch and what waits (counted), and retries later. */
  const fail = (err: NodeJS.ErrnoException, chunk: Buffer) => {
    inFlight = null;
    dropped += countLines(chunk) - inFlightNotices + pending.length - pendingNotices;
    announced -= inFlightNoticed + pendingNoticed;
    inFlightNotices = inFlightNoticed = pendingNotices = pendingNoticed = 0;
    pending = [];
    pendingChars = 0;
    failed = true;
    if (!outage) {
      outage = true;
      onFailure(
        `the log output failed (${err.code ?? err.message}): log lines are dropped until a write succeeds (retried every ${RETRY_AFTER_MS / 1000} s); the dashboard still shows them.`,
      );
    }
    timerArmed = false;
    arm(RETRY_AFTER_MS);
    settleDrain();
  };

  const flushSync = () => {
    // A write in flight is the kernel's or the thread pool's now: it is not written twice;
    // one waiting for its EAGAIN retry was not written at all, so it goes first.
    const first = waitingRetry;
    if (first !== null) {
      waitingRetry = null;
      inFlight = null;
    }
    if (pending.length === 0 && first === null) return;
    const text = pending.join('');
    let buffer = first === null ? Buffer.from(text) : Buffer.concat([first, Buffer.from(text)]);
    pending = [];
    pendingChars = 0;
    let eagain = 0;
    // Bounded: each pass writes bytes, or counts an EAGAIN retry, or gives up.
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(fs.writeSync(fd, buffer));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN' && ++eagain <= EXIT_EAGAIN_RETRIES) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, EAGAIN_RETRY_MS);
          continue;
        }
        dropped += countLines(buffer);
        return;
      }
    }
  };
  const onExit = () => {
    if (!failed) flushSync();
    // The last word on lines this output never got, where the owner can still read it.
    if (dropped > announced) {
      onFailure(`${dropped - announced} log line${dropped - announced === 1 ? ' was' : 's were'} dropped`);
    }
  };
  process.on('exit', onExit);

  return {
    write(e: LogEvent) {
      if (failed || pendingChars > MAX_PENDING_CHARS) {
        dropped++;
        return;
      }
      const line = formatLine(e, format);
      pending.push(line);
      pendingChars += line.length;
      if (inFlight === null && (e.kind !== 'request' || pendingChars >= BATCH_CHARS)) startWrite();
      else {
        // Behind a write in flight, a line that must not wait goes out as soon as it completes.
        if (e.kind !== 'request') urgent = true;
        arm(FLUSH_AFTER_MS);
      }
    },
    flushSync,
    drain() {
      return new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        if (inFlight === null) startWrite();
        settleDrain();
      });
    },
    get dropped() {
      return dropped;
    },
    close() {
      closed = true;
      process.off('exit', onExit);
      clearTimeout(timer);
      flushSync();
    },
  };
}

function countLines(buffer: Buffer): number {
  let lines = 0;
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) lines++;
  return lines;
}

/**
 * The sink for `foxden serve`'s stdout: batched asynchronous writes on its file descriptor,
 * or (a stream without one, as when tests drive the CLI in-process) a line per write.
 */
export function stdoutSink(
  stream: NodeJS.WritableStream,
  format: 'text' | 'json',
  onFailure?: (message: string) => void,
): LogSink {
  const fd = (stream as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fdSink(fd, format, onFailure) : streamSink(stream, format);
}
