// The daemon's end of the control socket (DESIGN §6, hastmon(8)'s /var/run/hastmonctl).
//
// Only the daemon's user may connect, from the first instant: the socket is bound inside a fresh
// 0700 directory next to the final path, chmod-ed to 0600 there, and only then hard-linked into
// place. Nobody else can reach it under either name before its mode is right, and link() (unlike
// rename()) never replaces whatever might have appeared at the path in the meantime.
import { lstat, chmod, link, mkdtemp, rm, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { EX_SOFTWARE, EX_TEMPFAIL } from '../cli/exit-codes.js';
import {
  EX_PROTOCOL,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  encodeLine,
  parseRequest,
  type ControlRequest,
  type ControlResponse,
} from './control-protocol.js';

/** What the server logs through; the daemon's Logger fits. */
export interface ControlLog {
  debug(message: string): void;
  warning(message: string): void;
}

export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse>;

export interface ControlServerOptions {
  /** A client must send its whole request within this long. */
  requestTimeoutMs?: number;
  /** A client must read its answer within this long. */
  answerTimeoutMs?: number;
  /**
   * Clients connected at once. When full, the oldest client still sending its request makes room
   * for the new one; when every client is being answered, the new one is told the daemon is busy.
   */
  maxClients?: number;
  /** How long to wait for an existing socket to answer, at start. */
  probeTimeoutMs?: number;
  /** Each kind of warning is logged at most once in this long, with a count of those not logged. */
  warningIntervalMs?: number;
  /** For tests: the clock the warning limit is measured on. */
  now?: () => number;
}

/**
 * hastmonctl writes its whole request the moment it connects, a few hundred bytes: a client that
 * has not sent it within a second is stuck or hostile, and holds a place a real one may need.
 */
export const CONTROL_REQUEST_TIMEOUT_MS = 1_000;
/** An answer of up to MAX_RESPONSE_BYTES read by a client on a loaded host: generous, but bounded. */
export const CONTROL_ANSWER_TIMEOUT_MS = 5_000;
/** Far more than operators and monitoring ever run at once; each costs a descriptor and a buffer. */
export const CONTROL_MAX_CLIENTS = 64;
/** A flood of bad clients must not flood the log: one line per kind of trouble per 10 s. */
export const CONTROL_WARNING_INTERVAL_MS = 10_000;
const DEFAULT_PROBE_TIMEOUT_MS = 1_000;
const NEWLINE = 0x0a;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

type Probe = 'live' | 'stale' | 'gone';

/** Is anyone listening on the socket file at `path`? */
function probe(path: string, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => finish('live'), timeoutMs);
    function finish(result: Probe | Error): void {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    }
    socket.once('connect', () => finish('live'));
    socket.once('error', (error) => {
      const code = errorCode(error);
      if (code === 'ECONNREFUSED') finish('stale');
      else if (code === 'ENOENT') finish('gone');
      // A full backlog: someone is listening, just busy.
      else if (code === 'EAGAIN') finish('live');
      else finish(new Error(`cannot check the existing control socket ${path}: ${describe(error)}`));
    });
  });
}

/** Makes room at `path`: removes a dead daemon's socket, refuses a live one and anything else. */
async function clearPath(path: string, probeTimeoutMs: number): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw new Error(`cannot check the control socket path ${path}: ${describe(error)}`);
  }
  if (!stats.isSocket()) {
    throw new Error(`${path} exists and is not a socket: not removing it; move it away or set another 'control' path`);
  }
  const found = await probe(path, probeTimeoutMs);
  if (found === 'live') throw new Error(`another hastmon is running: its control socket ${path} answers`);
  if (found === 'gone') return;
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw new Error(`cannot remove the stale control socket ${path}: ${describe(error)}`);
  }
}

/**
 * Connections the kernel queues for the daemon to accept (capped by net.core.somaxconn). Deep, so
 * that a flood of connections cannot leave an operator's hastmonctl without room (EAGAIN) while the
 * daemon drains it: Node's default, 511, is filled by a thousand idle clients.
 */
const CONTROL_BACKLOG = 4096;

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path, backlog: CONTROL_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Warnings by kind, each logged at most once per interval; the next one says how many were not. */
export class LimitedWarnings {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: ControlLog,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  warn(kind: string, message: string): void {
    const now = this.now();
    const last = this.last.get(kind);
    if (last !== undefined && now - last.at < this.intervalMs) {
      last.suppressed += 1;
      return;
    }
    this.log.warning(last === undefined || last.suppressed === 0 ? message : `${message} (${last.suppressed} more since the last such line)`);
    this.last.set(kind, { at: now, suppressed: 0 });
  }

  /** The counts not yet logged, at close. */
  flush(): void {
    for (const [kind, last] of this.last) {
      if (last.suppressed > 0) this.log.warning(`control socket: ${last.suppressed} more of '${kind}' since the last such line`);
    }
    this.last.clear();
  }
}

/** A connected client: still sending its request ('idle', may make room), or being answered. */
type ClientPhase = 'idle' | 'served';

export class ControlServer {
  private server: Server | null = null;
  /** The socket file we put in place, to remove it at close only if it is still ours. */
  private inode: { dev: number; ino: number } | null = null;
  /** In order of arrival, so that the oldest idle client is found first. */
  private readonly clients = new Map<Socket, ClientPhase>();
  /** Clients told the daemon is busy, until they read that. */
  private readonly refused = new Set<Socket>();
  private readonly requestTimeoutMs: number;
  private readonly answerTimeoutMs: number;
  private readonly maxClients: number;
  private readonly probeTimeoutMs: number;
  private readonly warnings: LimitedWarnings;

  constructor(
    private readonly path: string,
    private readonly handler: ControlHandler,
    private readonly log: ControlLog,
    options: ControlServerOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? CONTROL_REQUEST_TIMEOUT_MS;
    this.answerTimeoutMs = options.answerTimeoutMs ?? CONTROL_ANSWER_TIMEOUT_MS;
    this.maxClients = options.maxClients ?? CONTROL_MAX_CLIENTS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.warnings = new LimitedWarnings(log, options.warningIntervalMs ?? CONTROL_WARNING_INTERVAL_MS, options.now ?? Date.now);
  }

  /** Rejects with a message fit for the log and the terminal. */
  async start(): Promise<void> {
    if (this.server !== null) throw new Error(`control socket ${this.path} is already open`);
    await clearPath(this.path, this.probeTimeoutMs);
    let privateDir: string;
    try {
      privateDir = await mkdtemp(join(dirname(this.path), `.${basename(this.path)}.`));
    } catch (error) {
      throw new Error(`cannot create the control socket ${this.path}: ${describe(error)}`);
    }
    const server = createServer({ allowHalfOpen: true }, (socket) => this.admit(socket));
    try {
      const bound = join(privateDir, 's');
      await listen(server, bound);
      await chmod(bound, 0o600);
      const stats = await lstat(bound);
      await link(bound, this.path);
      this.inode = { dev: stats.dev, ino: stats.ino };
    } catch (error) {
      await closeServer(server);
      const reason = errorCode(error) === 'EEXIST' ? 'it appeared while hastmon was starting (another hastmon?)' : describe(error);
      throw new Error(`cannot create the control socket ${this.path}: ${reason}`);
    } finally {
      await rm(privateDir, { recursive: true, force: true });
    }
    server.on('error', (error) => this.log.warning(`control socket ${this.path}: ${describe(error)}`));
    this.server = server;
  }

  /** Stops accepting, drops the clients still connected and removes the socket file if ours. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    // Removed first, so that no new client reaches a socket that is going away.
    await this.removeSocketFile();
    for (const client of [...this.clients.keys(), ...this.refused]) client.destroy();
    await closeServer(server);
    this.warnings.flush();
  }

  /** Clients connected now, being answered or still sending: never more than maxClients. */
  connectedClients(): number {
    return this.clients.size;
  }

  private async removeSocketFile(): Promise<void> {
    const ours = this.inode;
    this.inode = null;
    if (ours === null) return;
    try {
      const stats = await lstat(this.path);
      if (stats.dev === ours.dev && stats.ino === ours.ino) await unlink(this.path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') this.log.warning(`cannot remove the control socket ${this.path}: ${describe(error)}`);
    }
  }

  /**
   * Idle clients never lock the socket: when it is full, the oldest one still sending its request
   * is dropped for the new one. Only when every place is taken by a request being answered is the
   * new client refused, with an answer saying so.
   */
  private admit(socket: Socket): void {
    if (this.clients.size >= this.maxClients) {
      const oldestIdle = [...this.clients].find(([, phase]) => phase === 'idle')?.[0];
      if (oldestIdle === undefined) {
        this.warnings.warn('busy', `control socket: ${this.maxClients} requests in progress; a new client was told the daemon is busy`);
        this.refuse(socket);
        return;
      }
      this.warnings.warn('full', `control socket: ${this.maxClients} clients at once; the oldest idle one was dropped to admit a new one`);
      oldestIdle.destroy();
      this.clients.delete(oldestIdle);
    }
    this.serve(socket);
  }

  /** Says "busy" and reads whatever the client sends meanwhile, so that its write does not fail. */
  private refuse(socket: Socket): void {
    this.refused.add(socket);
    const timer = setTimeout(() => socket.destroy(), this.answerTimeoutMs);
    socket.on('data', () => undefined);
    socket.on('end', () => socket.destroy());
    socket.on('error', (error) => this.log.debug(`control socket: refused client: ${describe(error)}`));
    socket.on('close', () => {
      clearTimeout(timer);
      this.refused.delete(socket);
    });
    socket.end(
      encodeLine({
        ok: false,
        exitCode: EX_TEMPFAIL,
        message: `busy: hastmon is answering ${this.maxClients} requests at once; try again in a moment`,
      }),
    );
  }

  private serve(socket: Socket): void {
    this.clients.set(socket, 'idle');
    const chunks: Buffer[] = [];
    let size = 0;
    let received = false;
    // Whole-request deadline, not an idle timeout: a client dribbling bytes is dropped too.
    let timer = setTimeout(() => {
      this.log.debug(`control socket: no complete request within ${this.requestTimeoutMs} ms; client dropped`);
      socket.destroy();
    }, this.requestTimeoutMs);

    const answer = (response: ControlResponse): void => {
      if (socket.destroyed) return;
      socket.end(this.encodeAnswer(response));
      // A client that neither reads nor closes must not hold the connection forever.
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), this.answerTimeoutMs);
    };

    const handle = (text: string): void => {
      received = true;
      clearTimeout(timer);
      if (this.clients.has(socket)) this.clients.set(socket, 'served');
      const request = parseRequest(text);
      if ('error' in request) {
        this.warnings.warn('bad request', `control socket: bad request: ${request.error}`);
        answer({ ok: false, exitCode: EX_PROTOCOL, message: `bad request: ${request.error}` });
        return;
      }
      void this.run(request).then(answer);
    };

    socket.on('data', (chunk: Buffer) => {
      if (received) return;
      const newline = chunk.indexOf(NEWLINE);
      const part = newline === -1 ? chunk : chunk.subarray(0, newline);
      size += part.length;
      if (size > MAX_REQUEST_BYTES) {
        received = true;
        if (this.clients.has(socket)) this.clients.set(socket, 'served');
        this.warnings.warn('oversized request', `control socket: request larger than ${MAX_REQUEST_BYTES} bytes refused`);
        answer({ ok: false, exitCode: EX_PROTOCOL, message: `bad request: larger than ${MAX_REQUEST_BYTES} bytes` });
        return;
      }
      chunks.push(part);
      if (newline !== -1) handle(Buffer.concat(chunks).toString('utf8'));
    });
    // A request without its newline still counts when the client ends its side (`printf … | nc -U`).
    socket.on('end', () => {
      if (received) return;
      if (size === 0) {
        received = true;
        clearTimeout(timer);
        socket.end();
      } else {
        handle(Buffer.concat(chunks).toString('utf8'));
      }
    });
    socket.on('error', (error) => this.log.debug(`control socket: client: ${describe(error)}`));
    socket.on('close', () => {
      clearTimeout(timer);
      this.clients.delete(socket);
    });
  }

  /** The answer's line, or an error line when the handler's answer cannot be sent. */
  private encodeAnswer(response: ControlResponse): string {
    let line: string;
    try {
      line = encodeLine(response);
    } catch (error) {
      this.log.warning(`control socket: answer not encodable: ${describe(error)}`);
      return encodeLine({ ok: false, exitCode: EX_SOFTWARE, message: `internal error: answer not encodable: ${describe(error)}` });
    }
    if (Buffer.byteLength(line, 'utf8') <= MAX_RESPONSE_BYTES) return line;
    this.log.warning(`control socket: answer larger than ${MAX_RESPONSE_BYTES} bytes not sent`);
    return encodeLine({ ok: false, exitCode: EX_SOFTWARE, message: `internal error: the answer is larger than ${MAX_RESPONSE_BYTES} bytes` });
  }

  /** The handler's answer; its failures become an answer too, never a crash. */
  private async run(request: ControlRequest): Promise<ControlResponse> {
    try {
      return await this.handler(request);
    } catch (error) {
      this.log.warning(`control socket: ${request.command} failed: ${describe(error)}`);
      return { ok: false, exitCode: EX_SOFTWARE, message: `internal error: ${describe(error)}` };
    }
  }
}
