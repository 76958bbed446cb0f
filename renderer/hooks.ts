import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError, type ApiError } from './api.js';

/**
 * Calls `load` now and then every `intervalMs` (the next call waits for the previous one, so a
 * slow server is never flooded). Returns the latest value, the latest error and a manual refresh.
 */
export function usePolling<T>(
  load: () => Promise<T>,
  intervalMs: number,
): { data: T | null; error: ApiError | null; refresh: () => Promise<void> } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const alive = useRef(true);

  const refresh = useCallback(async () => {
    try {
      const value = await loadRef.current();
      if (!alive.current) return;
      setData(value);
      setError(null);
    } catch (err) {
      if (alive.current) setError(toApiError(err));
    }
  }, []);

  useEffect(() => {
    alive.current = true;
    let timer: number | undefined;
    const tick = async () => {
      await refresh();
      if (alive.current) timer = window.setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      alive.current = false;
      window.clearTimeout(timer);
    };
  }, [refresh, intervalMs]);

  return { data, error, refresh };
}

/** Runs one admin action at a time and keeps its error for display next to the form. */
export function useAction(): {
  busy: boolean;
  error: ApiError | null;
  setError: (e: ApiError | null) => void;
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (err) {
      setError(toApiError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
