import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How long a client may take, and how many may be connected: set on purpose
 * so that slow or idle clients cannot hold the service (docs/operations.md,
 * "Connections and timeouts").
 */
export interface ServerLimits {
  /** Time to send the complete request headers (slowloris). Node's default is 60 s. */
  headersTimeoutMs: number;
  /** Time to send the whole request, body included (64 KiB for most routes; a hook call 1 MiB, a candidate ruleset up to RULES_MAX_FILE_BYTES). Node's default is 300 s. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open: past a load balancer's 60 s, so it closes first. */
  keepAliveTimeoutMs: number;
  /** How often those two timeouts are checked (Node's default, 30 s, would let them overrun by that much). */
  connectionsCheckingIntervalMs: number;
  /** Open connections at most; one more is closed as soon as it is accepted. */
  maxConnections: number;
  /** During a drain, how long a connection without a request in progress may still start one. */
  drainIdleGraceMs: number;
}

export const SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  connectionsCheckingIntervalMs: 1000,
  maxConnections: 4096,
  drainIdleGraceMs: 1000,
};

export interface RunningServer {
  port: number;
  /**
   * Drains: stops accepting, lets every request in flight finish (one whose
   * body is still arriving included) and closes each connection after its
   * response; a connection with no request in progress gets
   * `drainIdleGraceMs` to start one, then is closed. Resolves when none is left.
   */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Listens on `port` (0 picks a free one, as tests do). */
export async function listen(app: Handler, port: number, overrides: Partial<ServerLimits> = {}): Promise<RunningServer> {
  const limits = { ...SERVER_LIMITS, ...overrides };
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
  });
  server.maxConnections = limits.maxConnections;

  // Requests in progress per connection, and the responses not yet finished.
  const inProgress = new Map<Socket, number>();
  const responses = new Set<ServerResponse>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    inProgress.set(socket, 0);
    socket.once('close', () => inProgress.delete(socket));
  });
  // Registered before the app, so a response knows it is the last on its connection.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inProgress.set(socket, (inProgress.get(socket) ?? 0) + 1);
    responses.add(res);
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      responses.delete(res);
      if (inProgress.has(socket)) inProgress.set(socket, (inProgress.get(socket) ?? 1) - 1);
    });
  });
  server.on('request', app);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        draining = true;
        // A response still to be written closes its connection; the client reconnects elsewhere.
        for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
        // Connections idle after a response are closed by Node; one whose response
        // went out as keep-alive before the drain goes idle later: sweep until none is left.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        // A connection that has not started a request (or is stuck in its headers) is not
        // "idle" to Node and would hold close() until headersTimeout.
        const grace = setTimeout(() => {
          for (const [socket, count] of inProgress) if (count === 0) socket.destroy();
        }, limits.drainIdleGraceMs);
        server.close((err) => {
          clearInterval(sweep);
          clearTimeout(grace);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
