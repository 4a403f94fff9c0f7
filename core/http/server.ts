import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** Listens on `port` (0 picks a free one, as tests do). */
export async function listen(handler: RequestListener, port: number): Promise<RunningServer> {
  const server: Server = createServer(handler);
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
        server.close((err) => (err ? reject(err) : resolve()));
        // Idle keep-alive connections would hold close() open; busy ones finish first.
        server.closeIdleConnections();
      }),
  };
}
