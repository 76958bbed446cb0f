import http from 'node:http';
import autocannon from 'autocannon';
import { httpRequest, type HttpReply } from '../test/helpers/http-request.js';

/** Throughput and latency of one measured run. */
export interface LoadFigures {
  /** Successful (2xx) responses. */
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface HammerOptions {
  /** Origin, e.g. http://127.0.0.1:40123 (loopback only). */
  origin: string;
  path: string;
  connections: number;
  seconds: number;
  maxRequests: number;
  /** Headers per request: called for every request (a Hawk header needs a fresh nonce). */
  headers?: (method: string, path: string) => Record<string, string>;
}

const HARD_STOP_GRACE_MS = 5_000;

/**
 * Repeats one GET with keep-alive connections, bounded by count and time (autocannon's
 * own stop plus our hard stop if it ever overruns).
 */
export async function hammer(options: HammerOptions): Promise<LoadFigures> {
  assertLoopback(options.origin);
  const makeHeaders = options.headers;
  const instance = autocannon({
    url: options.origin,
    connections: options.connections,
    duration: options.seconds,
    maxOverallRequests: options.maxRequests,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        path: options.path,
        ...(makeHeaders
          ? {
              setupRequest: (request) => {
                request.headers = { ...request.headers, ...makeHeaders(request.method, request.path) };
                return request;
              },
            }
          : {}),
      },
    ],
  });
  const hardStop = setTimeout(() => instance.stop(), options.seconds * 1000 + HARD_STOP_GRACE_MS);
  try {
    const result = await instance;
    const ok = result['2xx'];
    return {
      ok,
      failed: result.non2xx + result.errors + result.timeouts,
      seconds: result.duration,
      perSecond: ok / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
    };
  } finally {
    clearTimeout(hardStop);
  }
}

export interface HttpRequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const REQUEST_TIMEOUT_MS = 60_000;

/** One request over a keep-alive agent; the body is read whole. */
export function request(origin: string, agent: http.Agent, spec: HttpRequestSpec): Promise<HttpReply> {
  assertLoopback(origin);
  const url = new URL(spec.path, origin);
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
  return httpRequest(
    url,
    { method: spec.method, agent, headers, timeout: REQUEST_TIMEOUT_MS },
    spec.body,
    `${spec.method} ${spec.path} timed out`,
  );
}

export interface TaskLoopOptions {
  /** Concurrent workers, each with its own keep-alive connection(s). */
  concurrency: number;
  maxTasks: number;
  maxMs: number;
  /** One unit of work (a batch POST, a whole batched upload); returns the records it stored. */
  task: (index: number, agent: http.Agent) => Promise<number>;
}

export interface TaskLoopFigures {
  tasks: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** Per-task latency. */
  p50Ms: number;
  p99Ms: number;
}

/** Runs `task` from `concurrency` workers until maxTasks are done or maxMs has passed. */
export async function runTasks(options: TaskLoopOptions): Promise<TaskLoopFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const start = performance.now();
  const deadline = start + options.maxMs;
  const durations: number[] = [];
  let next = 0;
  let records = 0;
  const worker = async () => {
    while (next < options.maxTasks && performance.now() < deadline) {
      const index = next++;
      const t0 = performance.now();
      // Not `records += await ...`: that reads `records` before awaiting and loses other workers' counts.
      const stored = await options.task(index, agent);
      records += stored;
      durations.push(performance.now() - t0);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - start) / 1000;
  durations.sort((a, b) => a - b);
  return {
    tasks: durations.length,
    records,
    seconds,
    recordsPerSecond: records / seconds,
    p50Ms: percentile(durations, 0.5),
    p99Ms: percentile(durations, 0.99),
  };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** The bench never sends traffic anywhere but this machine's loopback interface. */
function assertLoopback(origin: string): void {
  const host = new URL(origin).hostname;
  if (host !== '127.0.0.1' && host !== '[::1]')
    throw new Error(`bench traffic must stay on loopback, not ${host}`);
}
