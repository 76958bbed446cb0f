import type { AdminHttp } from '../../server/admin/http-transport.js';

/** Where an admin listener answers and the bearer token it wants. */
export type AdminEndpoint = Pick<AdminHttp, 'url' | 'token'>;

/** POST /api/<method> with the arguments as a JSON array, as the dashboard sends it. */
export function postAdmin(admin: AdminEndpoint, method: string, ...args: unknown[]): Promise<Response> {
  return fetch(`${admin.url}api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  });
}

/** An admin call's HTTP status and its JSON body (the result, or the AdminErrorShape). */
export async function callAdmin<T = unknown>(
  admin: AdminEndpoint,
  method: string,
  ...args: unknown[]
): Promise<{ status: number; body: T }> {
  const res = await postAdmin(admin, method, ...args);
  return { status: res.status, body: (await res.json()) as T };
}
