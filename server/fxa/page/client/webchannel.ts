/**
 * Firefox's `account_updates` WebChannel as seen from the page (fxa-local.md §2.3, §3.2):
 * details go out as JSON strings (153 rejects objects), replies echo `messageId`, and a
 * reply without a messageId carrying errno 2 means Firefox has no channel for this origin.
 */

const CHANNEL_ID = 'account_updates';

export class NoChannelError extends Error {
  constructor(readonly reason: 'no-such-channel' | 'no-answer') {
    super(
      reason === 'no-such-channel'
        ? 'Firefox refused the message: this page is not its accounts server.'
        : 'Firefox did not answer: this is not Firefox, or it is not set up for this server.',
    );
  }
}

/** Firefox answered with `data.error` ({message, stack}). */
export class FirefoxCommandError extends Error {}

interface Pending {
  command: string;
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface ChannelEnvelope {
  id?: unknown;
  message?: { command?: unknown; messageId?: unknown; data?: unknown; errno?: unknown; error?: unknown };
}

function parseDetail(detail: unknown): ChannelEnvelope | null {
  // 153 delivers an object (structured clone); older builds sent a string. Accept both (§3.2).
  if (typeof detail === 'string') {
    try {
      return JSON.parse(detail) as ChannelEnvelope;
    } catch {
      return null;
    }
  }
  return detail && typeof detail === 'object' ? (detail as ChannelEnvelope) : null;
}

export class WebChannel {
  private readonly pending = new Map<string, Pending>();
  private counter = 0;
  private channelMissing = false;

  constructor(private readonly target: Window = window) {
    target.addEventListener('WebChannelMessageToContent', (event) => this.onMessage(event as CustomEvent));
  }

  private onMessage(event: CustomEvent): void {
    const envelope = parseDetail(event.detail);
    if (!envelope || envelope.id !== CHANNEL_ID || !envelope.message) return;
    const { messageId, data, errno } = envelope.message;
    if (messageId === undefined && errno === 2) {
      // "No Such Channel": every outstanding request is doomed, and so is every later one.
      this.channelMissing = true;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        this.pending.delete(id);
        p.reject(new NoChannelError('no-such-channel'));
      }
      return;
    }
    if (typeof messageId !== 'string') return;
    const waiting = this.pending.get(messageId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(messageId);
    const error = (data as { error?: { message?: unknown } } | undefined)?.error;
    if (error) {
      waiting.reject(new FirefoxCommandError(String(error.message ?? 'Firefox reported an error')));
    } else {
      waiting.resolve(data);
    }
  }

  /** Sends one command and waits for its reply (Firefox answers in order, §3.2). */
  request<T>(command: string, data: unknown, timeoutMs = 30_000): Promise<T> {
    if (this.channelMissing) return Promise.reject(new NoChannelError('no-such-channel'));
    const messageId = `${Date.now()}-${++this.counter}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        reject(new NoChannelError('no-answer'));
      }, timeoutMs);
      this.pending.set(messageId, { command, resolve: resolve as (d: unknown) => void, reject, timer });
      const detail = JSON.stringify({ id: CHANNEL_ID, message: { command, data, messageId } });
      this.target.dispatchEvent(new CustomEvent('WebChannelMessageToChrome', { detail }));
    });
  }
}
