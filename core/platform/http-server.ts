import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** Listens on `port` (0 picks a free one, as tests do), as `app.listen` would. */
export async function listen(app: Express, port: number): Promise<RunningServer> {
  const server = createServer(app);
  // Keep-alive sockets must not outlive a load balancer's idle timeout.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Idle keep-alive connections would hold close() open; busy ones finish
        // first. Node keeps a busy one alive after its response, so sweep again
        // until the last is gone rather than wait for the client to hang up.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close((err) => {
          clearInterval(sweep);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
