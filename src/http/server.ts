// The read-only HTTP listener (hastmon.conf(5), `http`): GET and HEAD of a few fixed paths, each
// rendered when asked. Nothing here changes the cluster. Bounded in every way a client could use
// to hold the daemon: header size, time to send a request, idle keep-alive, connections at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { isIPv6 } from 'node:net';

/** One path's answer, made when it is asked for. */
export interface HttpRoute {
  contentType: string;
  body(): string;
  /** Headers of this route only (the status page's Content-Security-Policy). */
  headers?: Readonly<Record<string, string>>;
}

export interface HttpLimits {
  /** Request line and headers together. */
  maxHeaderBytes: number;
  /** A client must send its whole request within this long. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Connections at once; more are refused by the kernel's accept and closed at once. */
  maxConnections: number;
}

/**
 * A scrape sends a few hundred bytes of headers; 8 KiB leaves room for proxies. A request that
 * takes more than 5 s to arrive on loopback or a management network is stuck or hostile. Prometheus
 * reuses its connection every scrape interval (15 s by default or more), so idle ones are closed
 * after 5 s rather than held. 32 connections is far more than scrapers and browsers ever open.
 */
export const HTTP_LIMITS: HttpLimits = {
  maxHeaderBytes: 8 * 1024,
  requestTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 32,
};

/** How often request timeouts are looked for: a slow client is closed at most this late. */
const CONNECTIONS_CHECK_MS = 1_000;

/** How long close() waits for connections to end before it lets go. */
const CLOSE_TIMEOUT_MS = 2_000;

export type HttpLog = (level: 'debug' | 'warning' | 'error', key: string, message: string) => void;

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Exact paths (no query string); a path without a route answers 404. */
  routes: Readonly<Record<string, HttpRoute | undefined>>;
  /** The daemon rate-limits by `key`: a flood of bad clients must not flood the log. */
  log: HttpLog;
  limits?: HttpLimits;
}

const ALLOWED = 'GET, HEAD';

function endpoint(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export class HttpServer {
  private readonly server: Server;
  private readonly limits: HttpLimits;

  constructor(private readonly options: HttpServerOptions) {
    this.limits = options.limits ?? HTTP_LIMITS;
    this.server = createServer(
      {
        maxHeaderSize: this.limits.maxHeaderBytes,
        requestTimeout: this.limits.requestTimeoutMs,
        keepAliveTimeout: this.limits.keepAliveTimeoutMs,
        // Node looks for requests past their timeout only this often (30 s unless told).
        connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, this.limits.requestTimeoutMs),
      },
      (request, response) => this.answer(request, response),
    );
    this.server.headersTimeout = this.limits.requestTimeoutMs;
    this.server.maxConnections = this.limits.maxConnections;
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.clientError(error, socket));
    this.server.on('drop', () => options.log('warning', 'full', `http: ${this.limits.maxConnections} connections open: a new one was refused`));
  }

  /** Binds the address; rejects with a one-line message when it cannot. */
  start(): Promise<void> {
    const where = endpoint(this.options.host, this.options.port);
    return new Promise((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException): void => {
        const why = error.code === 'EADDRINUSE' ? 'address in use' : error.code === 'EADDRNOTAVAIL' ? 'no such local address' : error.message;
        reject(new Error(`http: cannot listen on ${where}: ${why}`));
      };
      this.server.once('error', failed);
      this.server.listen({ host: this.options.host, port: this.options.port, exclusive: true }, () => {
        this.server.off('error', failed);
        this.server.on('error', (error) => this.options.log('error', 'server', `http: ${error.message}`));
        resolve();
      });
    });
  }

  /** The bound port (the configured one, or the system's choice for port 0 in tests). */
  port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : this.options.port;
  }

  /** Stops listening and ends every connection, waiting a bounded time. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    const method = request.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      response.setHeader('Allow', ALLOWED);
      this.reply(request, response, 405, `method ${method} not allowed: this listener is read-only\n`, true);
      return;
    }
    // A GET has no body; one that sends one is not a client of ours, and its body is not read.
    if (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0') {
      this.reply(request, response, 400, 'a GET or HEAD request carries no body\n', true);
      return;
    }
    if (request.headers['transfer-encoding'] !== undefined) {
      this.reply(request, response, 400, 'a GET or HEAD request carries no body\n', true);
      return;
    }
    const target = request.url ?? '';
    const path = target.split('?', 1)[0] ?? '';
    const route = Object.hasOwn(this.options.routes, path) ? this.options.routes[path] : undefined;
    if (route === undefined) {
      this.reply(request, response, 404, 'not found\n', false);
      return;
    }
    let body: string;
    try {
      body = route.body();
    } catch (error) {
      this.options.log('error', `render:${path}`, `http: cannot render ${path}: ${(error as Error).message}`);
      this.reply(request, response, 500, 'internal error\n', false);
      return;
    }
    for (const [name, value] of Object.entries(route.headers ?? {})) response.setHeader(name, value);
    this.send(request, response, 200, route.contentType, body, false);
  }

  private reply(request: IncomingMessage, response: ServerResponse, status: number, text: string, close: boolean): void {
    this.send(request, response, status, 'text/plain; charset=utf-8', text, close);
  }

  private send(request: IncomingMessage, response: ServerResponse, status: number, contentType: string, body: string, close: boolean): void {
    const bytes = Buffer.from(body, 'utf8');
    response.statusCode = status;
    response.setHeader('Content-Type', contentType);
    response.setHeader('Content-Length', bytes.length);
    if (close) response.setHeader('Connection', 'close');
    response.end(request.method === 'HEAD' ? undefined : bytes);
  }

  /** Malformed requests, oversized headers, timeouts: answered if possible, closed, logged at a bounded rate. */
  private clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const code = error.code ?? 'error';
    this.options.log('debug', `client:${code}`, `http: bad request from ${socket.remoteAddress ?? '?'}: ${code}`);
    if (!socket.writable || code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
}
