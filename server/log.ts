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
  protocol?: string;
  collection?: string;
  detail?: string;
}

export type LogInput = Omit<LogEvent, 'seq' | 'time'>;

export interface LogSink {
  write(event: LogEvent): void;
}

export function formatText(e: LogEvent): string {
  const time = new Date(e.time).toISOString();
  if (e.kind === 'request') {
    const user = e.user ? ` user=${e.user}` : '';
    return `${time} ${e.method} ${e.path} ${e.status} ${e.durationMs}ms${user}${e.detail ? ` (${e.detail})` : ''}`;
  }
  return `${time} ${e.level.toUpperCase()} ${e.message}${e.detail ? ` (${e.detail})` : ''}`;
}

export function streamSink(stream: NodeJS.WritableStream, format: 'text' | 'json'): LogSink {
  return {
    write(e) {
      stream.write((format === 'json' ? JSON.stringify(e) : formatText(e)) + '\n');
    },
  };
}

/**
 * The one log stream: events go to the sinks (stdout in headless mode) and into a ring
 * buffer that the GUI tails; listeners get each event as it happens.
 */
export class Logger extends EventEmitter<{ event: [LogEvent] }> {
  private readonly ring: LogEvent[] = [];
  private seq = 0;

  constructor(
    private readonly sinks: LogSink[] = [],
    private readonly capacity = 2000,
  ) {
    super();
  }

  log(input: LogInput): LogEvent {
    const event: LogEvent = { seq: ++this.seq, time: Date.now(), ...input };
    if (this.ring.length >= this.capacity) this.ring.shift();
    this.ring.push(event);
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
    const out = this.ring.filter((e) => e.seq > afterSeq);
    return out.slice(Math.max(0, out.length - limit));
  }
}
