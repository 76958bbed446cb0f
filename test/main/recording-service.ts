import type { AdminApi } from '../../server/admin/api.js';

/** A service that records calls and answers each method with its own name (or an override). */
export function recordingService(
  overrides: Partial<Record<keyof AdminApi, (...args: unknown[]) => Promise<unknown>>> = {},
) {
  const calls: { method: string; args: unknown[] }[] = [];
  const service = new Proxy({} as AdminApi, {
    get(_t, name: string) {
      return async (...args: unknown[]) => {
        calls.push({ method: name, args });
        const override = overrides[name as keyof AdminApi];
        return override ? override(...args) : `result of ${name}`;
      };
    },
  });
  return { service, calls };
}
