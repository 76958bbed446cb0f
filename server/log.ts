import { EventEmitter } from 'node:events';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One structured event: a request, an auth failure, an error or a lifecycle step. */
export interface LogEvent {
  seq: number;
  time: number;
  level: LogLevel;
  kind: 'request' | 'auth' | 'error' | 'lifecycle';
  message: string;
  method?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  /** The authenticated user (username or uid), never a password, token or key. */
  user?: string;
  /** The client's address (behind a trusted proxy, the real client's). */
  address?: string;
  protocol?: string;
  collection?: string;
  detail?: string;
}

export type LogInput = Omit<LogEvent, 'seq' | 'time'>;

export interface LogSink {
  write(event: LogEvent): void;
}

/** The last whole second formatted, so a line costs a few string joins, not a Date. */
let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()`, cheaper: the "YYYY-MM-DDTHH:MM:SS." part is worked out once
 * per second and the milliseconds appended. Falls back to Date for anything unusual
 * (fractions, years outside 0000–9999).
 */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(ms).toISOString();
    if (iso.length !== 24 || !Number.isInteger(ms)) return iso;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
    return iso;
  }
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const milli = ms - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

export function formatText(e: LogEvent): string {
  const time = isoTime(e.time);
  if (e.kind === 'request') {
    const user = e.user ? ` user=${e.user}` : '';
    return `${time} ${e.address ?? '-'} ${e.method} ${e.path} ${e.status} ${e.durationMs}ms${user}${e.detail ? ` (${e.detail})` : ''}`;
  }
  return `${time} ${e.level.toUpperCase()} ${e.message}${e.detail ? ` (${e.detail})` : ''}`;
}

export function formatLine(e: LogEvent, format: 'text' | 'json'): string {
  return (format === 'json' ? JSON.stringify(e) : formatText(e)) + '\n';
}

/** A line per event, written at once (a stream that is not a file descriptor: tests, a dev console). */
export function streamSink(stream: NodeJS.WritableStream, format: 'text' | 'json'): LogSink {
  return {
    write(e) {
      stream.write(formatLine(e, format));
    },
  };
}

/**
 * The one log stream: events go to the sinks (stdout in headless mode) and into a ring
 * buffer that the GUI tails; listeners get each event as it happens.
 */
export class Logger extends EventEmitter<{ event: [LogEvent] }> {
  /** Fixed-size circular buffer: `start` is the oldest slot, `count` how many are filled. */
  private readonly ring: (LogEvent | undefined)[];
  private start = 0;
  private count = 0;
  private seq = 0;

  constructor(
    private readonly sinks: LogSink[] = [],
    private readonly capacity = 2000,
  ) {
    super();
    this.ring = new Array<LogEvent | undefined>(Math.max(1, capacity));
  }

  log(input: LogInput): LogEvent {
    return this.record({ seq: 0, time: 0, ...input });
  }

  /**
   * Logs an event the caller built whole (the request log, once per request): its `seq` and
   * `time` are set here, and the object itself is kept, without the copy log() makes.
   * Building it with `seq` and `time` first keeps the JSON lines' key order.
   */
  record(event: LogEvent): LogEvent {
    event.seq = ++this.seq;
    event.time = Date.now();
    // Overwrite the oldest slot when full: O(1), where Array.shift moved every element.
    const size = this.ring.length;
    this.ring[(this.start + this.count) % size] = event;
    if (this.count < size) this.count++;
    else this.start = (this.start + 1) % size;
    for (const sink of this.sinks) sink.write(event);
    this.emit('event', event);
    return event;
  }

  info(kind: LogEvent['kind'], message: string, extra: Partial<LogInput> = {}): LogEvent {
    return this.log({ level: 'info', kind, message, ...extra });
  }

  warn(kind: LogEvent['kind'], message: string, extra: Partial<LogInput> = {}): LogEvent {
    return this.log({ level: 'warn', kind, message, ...extra });
  }

  error(kind: LogEvent['kind'], message: string, extra: Partial<LogInput> = {}): LogEvent {
    return this.log({ level: 'error', kind, message, ...extra });
  }

  /** Events after `afterSeq`, oldest first. */
  tail(afterSeq = 0, limit = this.capacity): LogEvent[] {
    // Sequence numbers are consecutive, so the events after `afterSeq` are the newest ones.
    const oldestSeq = this.seq - this.count + 1;
    const newer = Math.min(this.count, Math.max(0, this.seq - Math.max(afterSeq, oldestSeq - 1)));
    const take = Math.max(0, Math.min(newer, Math.floor(limit)));
    const out: LogEvent[] = [];
    for (let i = this.count - take; i < this.count; i++) {
      out.push(this.ring[(this.start + i) % this.ring.length] as LogEvent);
    }
    return out;
  }
}
