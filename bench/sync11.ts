import type http from 'node:http';
import { usernameFromEmail } from '../server/accounts/usernames.js';
import { request } from './load.js';
import type { BenchRecord } from './records.js';

export interface Sync11User {
  username: string;
  password: string;
  authorization: string;
}

/** The bench user's credentials are derived from the e-mail, so a restarted server can reuse them. */
export function sync11Credentials(email: string): Sync11User {
  const username = usernameFromEmail(email);
  const password = 'bench-password-0123456789';
  return {
    username,
    password,
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
  };
}

/** Signs up through the User API, as Firefox does (sign-ups are open in the bench server). */
export async function createSync11User(
  origin: string,
  agent: http.Agent,
  email: string,
): Promise<Sync11User> {
  const user = sync11Credentials(email);
  const { username, password } = user;
  const res = await request(origin, agent, {
    method: 'PUT',
    path: `/user/1.0/${username}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password, email }),
  });
  if (res.status !== 200)
    throw new Error(`Sync 1.1 sign-up answered ${res.status}: ${res.body.slice(0, 200)}`);
  return user;
}

/** POSTs one batch (records, or their JSON text); returns how many records the server reports as stored. */
export async function postSync11Batch(
  origin: string,
  agent: http.Agent,
  user: Sync11User,
  collection: string,
  records: readonly BenchRecord[] | string,
): Promise<number> {
  const res = await request(origin, agent, {
    method: 'POST',
    path: `/1.1/${user.username}/storage/${collection}`,
    headers: { authorization: user.authorization, 'content-type': 'application/json' },
    body: typeof records === 'string' ? records : JSON.stringify(records),
  });
  if (res.status !== 200) throw new Error(`Sync 1.1 POST answered ${res.status}: ${res.body.slice(0, 200)}`);
  const parsed = JSON.parse(res.body) as { success?: unknown[]; failed?: Record<string, unknown> };
  const failed = Object.keys(parsed.failed ?? {}).length;
  if (failed > 0) throw new Error(`Sync 1.1 POST failed ${failed} records: ${res.body.slice(0, 200)}`);
  return parsed.success?.length ?? 0;
}

/** A GET that must answer 200 (reads that put the stored data through the server). */
export async function getSync11(
  origin: string,
  agent: http.Agent,
  user: Sync11User,
  path: string,
): Promise<string> {
  const res = await request(origin, agent, {
    method: 'GET',
    path: `/1.1/${user.username}/${path}`,
    headers: { authorization: user.authorization },
  });
  if (res.status !== 200)
    throw new Error(`Sync 1.1 GET ${path} answered ${res.status}: ${res.body.slice(0, 200)}`);
  return res.body;
}
