import net from 'node:net';

export interface OccupiedPort {
  port: number;
  release(): Promise<void>;
}

/** Holds a loopback port open, for the "port already in use" paths. */
export async function occupyPort(): Promise<OccupiedPort> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port that was free a moment ago, for a child that must listen on a known port. */
export async function freePort(): Promise<number> {
  const held = await occupyPort();
  await held.release();
  return held.port;
}
