/** 1536 → "1.5 KB": storage as people read it (powers of 1024, like file managers on Windows). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** 93_000 → "1 min 33 s"; coarse on purpose, the page refreshes every few seconds. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h`;
}

export function formatDateTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'Never';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "3 minutes ago": last sync is easier to judge relative to now. */
export function formatAgo(ms: number | null, now: number = Date.now()): string {
  if (ms === null || !Number.isFinite(ms)) return 'Never';
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return 'Just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} day${d === 1 ? '' : 's'} ago`;
  return formatDateTime(ms);
}

/** Request durations: "0.6 ms", "58 ms", "1.2 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "2027-03-05 (in 90 days)": a certificate's end, with how far off it is; past it, "expired". */
export function formatExpiry(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  const date = new Date(at).toLocaleDateString(undefined, { dateStyle: 'medium' });
  const days = Math.floor((at - now) / (24 * 60 * 60 * 1000));
  if (at <= now) return `${date} (expired)`;
  return `${date} (in ${days === 1 ? '1 day' : `${days} days`})`;
}
