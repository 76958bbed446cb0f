import type { LogEvent, LogLevel } from '../log.js';
import type { LogQuery } from './api.js';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
export const DEFAULT_LOG_LIMIT = 200;

/** Does one event pass the filter? `level` is a minimum: "warn" shows warnings and errors. */
export function matchesLogQuery(event: LogEvent, query: LogQuery): boolean {
  if (query.level && LEVEL_RANK[event.level] < LEVEL_RANK[query.level]) return false;
  if (query.user !== undefined && event.user !== query.user) return false;
  if (query.status !== undefined) {
    if (event.status === undefined) return false;
    if (query.statusClass) {
      if (Math.floor(event.status / 100) !== Math.floor(query.status / 100)) return false;
    } else if (event.status !== query.status) {
      return false;
    }
  }
  return true;
}

/**
 * Filters the ring buffer's tail. A poll (`afterSeq` given) gets the oldest matches first so
 * the GUI catches up without gaps; a first load gets the newest `limit` matches.
 */
export function queryLogs(events: readonly LogEvent[], query: LogQuery): LogEvent[] {
  const limit = query.limit ?? DEFAULT_LOG_LIMIT;
  const matches = events.filter((e) => e.seq > (query.afterSeq ?? 0) && matchesLogQuery(e, query));
  return query.afterSeq !== undefined
    ? matches.slice(0, limit)
    : matches.slice(Math.max(0, matches.length - limit));
}
