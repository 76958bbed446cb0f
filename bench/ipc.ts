/** Messages between bench/run.ts and the processes under test (Node IPC channel). */

export interface MemoryFigures {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size over the process's life, bytes (getrusage ru_maxrss). */
  maxRss: number;
  heapUsed: number;
  /** V8 heap reserved (young generation semi-spaces included), bytes. */
  heapTotal: number;
  /** Buffers and other memory held outside the V8 heap, bytes. */
  external: number;
  /** CPU time used so far (user + system), microseconds: gives CPU per request. */
  cpuMicros: number;
}

export type ParentMessage =
  /** `gc` runs a full collection first when the child has --expose-gc (diagnostics only). */
  | { type: 'memory'; gc?: boolean }
  /** Sync 1.1 only: write records straight through the engine (fills storage quickly). */
  | {
      type: 'seed';
      username: string;
      collection: string;
      firstIndex: number;
      count: number;
      payloadBytes: number;
    }
  /** Sync 1.5: a tokenserver user row, made the way the tokenserver makes one (bypassing FxA). */
  | { type: 'createSync15User'; fxaUid: string }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; port: number }
  | ({ type: 'memory' } & MemoryFigures)
  | { type: 'seeded'; count: number }
  | { type: 'sync15User'; uid: number }
  | { type: 'error'; message: string };

export function memoryFigures(): MemoryFigures {
  const usage = process.memoryUsage();
  const cpu = process.cpuUsage();
  // ru_maxrss is in kilobytes on Linux and macOS alike in Node's normalised resourceUsage().
  return {
    rss: usage.rss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    cpuMicros: cpu.user + cpu.system,
  };
}
