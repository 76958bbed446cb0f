import http from 'node:http';
import https from 'node:https';
import { httpRequest } from './http-request.js';

export interface AddressedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Milliseconds from sending to the last byte. */
  ms: number;
}

/** Keep-alive per local address, so a long run does not exhaust ephemeral ports. */
const agents = new Map<string, http.Agent>();

function agentFor(localAddress: string, protocol: string): http.Agent {
  const key = `${protocol}${localAddress}`;
  let agent = agents.get(key);
  if (!agent) {
    const Agent = protocol === 'https:' ? https.Agent : http.Agent;
    agent = new Agent({ keepAlive: true, maxSockets: 64, localAddress });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the kept-alive sockets (call in after()). */
export function closeAddressAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/**
 * One HTTP request sent from a chosen loopback address (127.0.0.0/8 is all local on Linux),
 * so a test can play a guest at 127.0.0.2 and the owner at 127.0.0.3 against one server.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<AddressedResponse> {
  const start = performance.now();
  return httpRequest(
    url,
    {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: agentFor(localAddress, new URL(url).protocol),
      timeout: options.timeoutMs ?? 30_000,
    },
    options.body,
  ).then(({ status, headers, body }) => ({ status, headers, text: body, ms: performance.now() - start }));
}

/** requestFrom options for a POST of `body` as JSON. */
export function jsonPost(body: unknown): { method: string; headers: Record<string, string>; body: string } {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
