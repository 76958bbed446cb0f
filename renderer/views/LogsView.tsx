import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogEvent, LogLevel } from '../../server/log.js';
import { useApp } from '../app-context.js';
import { FormError, TextField } from '../components/Field.js';
import { explainEvent } from '../explain.js';
import { formatMs, formatTime } from '../format.js';
import { toApiError } from '../api.js';

const POLL_MS = 1000;
/** The GUI keeps at most this many events; the server's ring buffer holds the rest. */
const KEEP = 1000;
const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

type StatusFilter = 'all' | 'failures' | '2xx' | '3xx' | '4xx' | '5xx';

function matchesStatus(e: LogEvent, filter: StatusFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'failures')
    return (e.status !== undefined && e.status >= 400) || e.level === 'error' || e.level === 'warn';
  if (e.status === undefined) return false;
  return Math.floor(e.status / 100) === Number(filter[0]);
}

/** A live tail of the server log: new events every second, filtered here so switching filters is instant. */
export function LogsView() {
  const { api } = useApp();
  const [events, setEvents] = useState<LogEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [level, setLevel] = useState<LogLevel>('info');
  const [user, setUser] = useState('');
  const [address, setAddress] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const lastSeq = useRef(0);

  useEffect(() => {
    if (paused) return;
    let alive = true;
    let timer: number | undefined;
    const tick = async () => {
      try {
        const fresh = await api.logs({ afterSeq: lastSeq.current, limit: KEEP });
        if (!alive) return;
        setError(null);
        if (fresh.length > 0) {
          lastSeq.current = fresh[fresh.length - 1]!.seq;
          setEvents((old) => [...old, ...fresh].slice(-KEEP));
        }
      } catch (err) {
        if (alive) setError(toApiError(err).message);
      }
      if (alive) timer = window.setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [api, paused]);

  const shown = useMemo(() => {
    const needle = user.trim().toLowerCase();
    const from = address.trim();
    return events
      .filter(
        (e) =>
          LEVEL_RANK[e.level] >= LEVEL_RANK[level] &&
          matchesStatus(e, status) &&
          (!needle || (e.user ?? '').toLowerCase().includes(needle)) &&
          (!from || (e.address ?? '').includes(from)),
      )
      .reverse();
  }, [events, level, user, status, address]);

  return (
    <section aria-labelledby="logs-title" className="view">
      <header className="view-header">
        <h1 id="logs-title">Logs</h1>
        <span className={paused ? 'live-indicator is-paused' : 'live-indicator'} aria-hidden="true">
          {paused ? 'Paused' : 'Live'}
        </span>
      </header>

      <div className="card filters" role="group" aria-label="Filters">
        <div className="field">
          <label htmlFor="log-level">Level</label>
          <select id="log-level" value={level} onChange={(e) => setLevel(e.target.value as LogLevel)}>
            <option value="debug">Everything</option>
            <option value="info">Info and above</option>
            <option value="warn">Warnings and errors</option>
            <option value="error">Errors only</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="log-status">Status</label>
          <select id="log-status" value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            <option value="all">All</option>
            <option value="failures">Failures only</option>
            <option value="2xx">2xx (success)</option>
            <option value="3xx">3xx (not modified)</option>
            <option value="4xx">4xx (refused)</option>
            <option value="5xx">5xx (server error)</option>
          </select>
        </div>
        <TextField
          id="log-user"
          label="User"
          value={user}
          onValue={setUser}
          placeholder="Any user"
          spellCheck={false}
        />
        <TextField
          id="log-address"
          label="Address"
          value={address}
          onValue={setAddress}
          placeholder="Any address"
          spellCheck={false}
        />
        <div className="filters-actions">
          <button
            type="button"
            className="button-secondary"
            onClick={() => setPaused(!paused)}
            aria-pressed={paused}
          >
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button type="button" className="button-secondary" onClick={() => setEvents([])}>
            Clear
          </button>
        </div>
      </div>

      <FormError message={error} />
      <p className="muted small" aria-live="polite">
        Showing {shown.length} of {events.length} events{paused ? ' (paused)' : ''}.
      </p>

      <ol className="log-list" aria-label="Log events, newest first">
        {shown.length === 0 && <li className="empty">No events match these filters yet.</li>}
        {shown.map((e) => (
          <LogRow key={e.seq} event={e} />
        ))}
      </ol>
    </section>
  );
}

function LogRow({ event: e }: { event: LogEvent }) {
  const explanation = explainEvent(e);
  const failed = (e.status !== undefined && e.status >= 400) || e.level === 'error';
  return (
    <li className={`log-row level-${e.level}${failed ? ' is-failure' : ''}`} data-seq={e.seq}>
      <time className="log-time mono" dateTime={new Date(e.time).toISOString()}>
        {formatTime(e.time)}
      </time>
      {e.kind === 'request' ? (
        <span className="log-main">
          <span className={`status-pill status-${Math.floor((e.status ?? 0) / 100)}xx`}>{e.status}</span>
          <span className="mono log-method">{e.method}</span> <span className="mono log-path">{e.path}</span>
          {e.user && <span className="log-user">{e.user}</span>}
          {e.address && (
            <span className="mono muted small log-address" title="Client address">
              from {e.address}
            </span>
          )}
          {e.durationMs !== undefined && <span className="muted small">{formatMs(e.durationMs)}</span>}
        </span>
      ) : (
        <span className="log-main">
          <span className={`level-pill level-pill-${e.level}`}>{e.level}</span>
          <span>{e.message}</span>
        </span>
      )}
      {explanation && <p className="log-explain">{explanation}</p>}
    </li>
  );
}
