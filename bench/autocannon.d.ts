// The subset of autocannon 8's programmatic API that bench/load.ts uses (the package ships
// no types and @types/autocannon is not installed).
declare module 'autocannon' {
  namespace autocannon {
    interface RawRequest {
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string | Buffer;
    }
    interface RequestSpec {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest | null;
    }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      maxOverallRequests?: number;
      timeout?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      requests?: RequestSpec[];
    }
    interface Histogram {
      average: number;
      p50: number;
      p90: number;
      p99: number;
      max: number;
      total: number;
    }
    interface Result {
      duration: number;
      latency: Histogram;
      requests: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      statusCodeStats: Record<string, { count: number }>;
    }
    interface Instance extends PromiseLike<Result> {
      stop(): void;
    }
  }
  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
