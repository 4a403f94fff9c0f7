import net from 'node:net';

/**
 * HTTP/1.1 spoken by hand on one socket, for what a normal client will not
 * do: repeated headers, a declared length it never sends, a body that stalls.
 */
export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  private received = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  /** Resolves when the server has ended or closed the connection. */
  readonly serverClosed: Promise<void>;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.notify();
    });
    // The server may reset rather than end after it has answered; either way it is gone.
    socket.on('error', () => undefined);
    this.serverClosed = new Promise((resolve) => {
      const done = () => {
        this.closed = true;
        this.notify();
        resolve();
      };
      socket.once('end', done);
      socket.once('close', done);
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Writes the request line and headers (CRLF-joined, blank line added). */
  writeHead(lines: string[]): void {
    this.write(`${lines.join('\r\n')}\r\n\r\n`);
  }

  /** The first complete response (interim 1xx skipped); rejects after `timeoutMs` or if the connection closes first. */
  response(timeoutMs = 5000): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms; received: ${this.received.toString('latin1').slice(0, 500)}`)), timeoutMs);
      const check = () => {
        const parsed = parseResponse(this.received);
        if (parsed !== undefined) return finish(undefined, parsed);
        if (this.closed) finish(new Error(`connection closed before a complete response; received: ${this.received.toString('latin1').slice(0, 500)}`));
      };
      const finish = (err?: Error, res?: RawResponse) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(res as RawResponse);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once the server has sent text that starts with `prefix` (an interim `100 Continue`, say). */
  waitForPrefix(prefix: string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no "${prefix.trim()}" within ${timeoutMs} ms; received: ${this.text().slice(0, 300)}`)), timeoutMs);
      const check = () => {
        if (this.text().startsWith(prefix)) finish();
        else if (this.closed) finish(new Error(`connection closed before "${prefix.trim()}"; received: ${this.text().slice(0, 300)}`));
      };
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The raw text the server has sent so far. */
  text(): string {
    return this.received.toString('latin1');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function parseResponse(buffer: Buffer): RawResponse | undefined {
  let rest = buffer;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine = '', ...lines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
    if (status >= 100 && status < 200) {
      rest = rest.subarray(headEnd + 4);
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.subarray(headEnd + 4);
    if (body.length < length) return undefined;
    return { status, headers, body: body.subarray(0, length).toString('utf8') };
  }
}
