// etcd v3's JSON gateway with several endpoints: a request goes to the endpoint that last
// answered and on to the next on a connection error, a timeout, a malformed answer or an
// "unavailable" one (no leader), each attempt bounded by the configured timeout. With `user` and
// `password`, a token is fetched first and again whenever etcd says it is no longer valid.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { EtcdConfig, EtcdEndpoint } from '../../config/model.js';
import type { LogLevel } from '../../core/types.js';
import { readError, readToken } from './gateway.js';
import { ConnectionError, postJson } from './http-post.js';

/** gRPC's codes that mean "this member cannot serve now", worth another endpoint: Unavailable, DeadlineExceeded. */
const RETRY_ELSEWHERE_CODES = new Set([14, 4]);
/** gRPC's Unauthenticated. */
const UNAUTHENTICATED = 16;
/** gRPC's PermissionDenied: the user's roles do not cover the key. */
const PERMISSION_DENIED = 7;

/** How often one kind of etcd trouble may reach the log. */
export const ETCD_LOG_INTERVAL_MS = 10_000;

/**
 * How one request to one endpoint ended, for /metrics: answered; refused by etcd with an error of
 * its own (lease not found, permission denied); failed (no connection, no answer in time, an answer
 * that is not etcd's, a member without a leader), which sends the request on to the next endpoint.
 */
export const ETCD_REQUEST_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export type EtcdRequestOutcome = (typeof ETCD_REQUEST_OUTCOMES)[number];

/** The log as the daemon's Logger offers it. */
export interface EtcdLog {
  log(level: LogLevel, message: string): void;
  limited(key: string, intervalMs: number, level: LogLevel, message: string): void;
}

/** No endpoint answered: the last reason is in the message. */
export class EtcdUnreachable extends Error {}

/** An endpoint answered, with an error of etcd's (lease not found, permission denied…). */
export class EtcdAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | null,
    message: string,
    /** A refusal of the credentials or of a permission: the configuration must change. */
    readonly forOperator = false,
  ) {
    super(message);
  }
}

export interface CallResult<T> {
  value: T;
  /** When the request that succeeded was sent, on `now`'s clock. */
  sentAt: number;
}

export interface EtcdClientOptions {
  config: EtcdConfig;
  /** The monotonic clock, in ms. */
  now: () => number;
  log: EtcdLog;
  /** Reads the TLS files; readFileSync unless a test gives another. */
  readFile?: (path: string) => Buffer;
}

export class EtcdClient {
  readonly config: EtcdConfig;
  private readonly now: () => number;
  private readonly log: EtcdLog;
  /** Kept-alive connections for requests. */
  readonly agent: HttpAgent | HttpsAgent;
  /** Connections of their own for watches, which hold theirs for as long as they run. */
  readonly streamAgent: HttpAgent | HttpsAgent;
  private current = 0;
  private token: string | null = null;
  /** The authentication under way: callers that need a token meanwhile wait for this one. */
  private authenticating: Promise<void> | null = null;
  private reachable: boolean | null = null;
  private lastFailure = '';
  private endpointListeners: Array<() => void> = [];
  private readonly outcomes: Record<EtcdRequestOutcome, number> = { ok: 0, refused: 0, failed: 0 };

  constructor(options: EtcdClientOptions) {
    this.config = options.config;
    this.now = options.now;
    this.log = options.log;
    const read = options.readFile ?? readFileSync;
    const readTls = (path: string | null, what: string): Buffer | undefined => {
      if (path === null) return undefined;
      try {
        return read(path);
      } catch (error) {
        throw new Error(`cannot read the etcd ${what} file ${path}: ${(error as Error).message}`);
      }
    };
    if (this.config.endpoints[0]?.scheme === 'https') {
      const tls = { ca: readTls(this.config.ca, 'ca'), cert: readTls(this.config.cert, 'cert'), key: readTls(this.config.key, 'key') };
      const defined = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
      this.agent = new HttpsAgent({ keepAlive: true, ...defined });
      this.streamAgent = new HttpsAgent({ keepAlive: false, ...defined });
    } else {
      this.agent = new HttpAgent({ keepAlive: true });
      this.streamAgent = new HttpAgent({ keepAlive: false });
    }
  }

  /** The endpoint requests go to first. */
  endpoint(): EtcdEndpoint {
    return this.config.endpoints[this.current] as EtcdEndpoint;
  }

  /** Whether the last request found an endpoint that answered; null before the first. */
  connected(): boolean | null {
    return this.reachable;
  }

  /** Why the last request that failed did, '' if none has. */
  lastError(): string {
    return this.lastFailure;
  }

  /** Requests to single endpoints so far, by outcome (watches aside). */
  requestCounts(): Readonly<Record<EtcdRequestOutcome, number>> {
    return { ...this.outcomes };
  }

  /**
   * The longest one call may take: every endpoint tried once, each within the timeout, and once
   * more after renewing a stale token. What a shutdown waits at most for its revokes.
   */
  callBoundMs(): number {
    // With a token: authenticate and ask, then both again when etcd calls the token stale.
    const perEndpoint = this.config.auth === null ? 1 : 4;
    return this.config.endpoints.length * perEndpoint * this.config.timeout;
  }

  /** The token for a watch, fetched first when needed. */
  async authToken(endpoint: EtcdEndpoint): Promise<string | null> {
    if (this.config.auth === null) return null;
    if (this.token === null) {
      // One request at a time: etcd checks each password with bcrypt, which is slow by design.
      this.authenticating ??= this.authenticate(endpoint).finally(() => {
        this.authenticating = null;
      });
      await this.authenticating;
    }
    return this.token;
  }

  /** A watch was refused as unauthenticated: the token is fetched again on next use. */
  forgetToken(): void {
    this.token = null;
  }

  /** Called when requests move to another endpoint (watches follow them). */
  onEndpointChange(listener: () => void): void {
    this.endpointListeners.push(listener);
  }

  /**
   * POSTs `body` to `path`, trying every endpoint at most once (and once more on the same one after
   * renewing a stale token), and reads the answer with `read`, which throws on a wrong shape.
   */
  async call<T>(path: string, body: unknown, read: (json: unknown) => T): Promise<CallResult<T>> {
    const count = this.config.endpoints.length;
    const failures: string[] = [];
    for (let attempt = 0; attempt < count; attempt += 1) {
      const index = (this.current + attempt) % count;
      const endpoint = this.config.endpoints[index] as EtcdEndpoint;
      try {
        const result = await this.callOne(endpoint, path, body, read);
        this.outcomes.ok += 1;
        this.succeeded(index);
        return result;
      } catch (error) {
        if (error instanceof EtcdAnswerError) {
          this.outcomes.refused += 1;
          this.succeeded(index);
          // Refusals only the operator can mend are shown in status; a lease not found is routine.
          if (error.forOperator) this.lastFailure = `${endpoint.url}${path}: ${error.message}`;
          throw error;
        }
        this.outcomes.failed += 1;
        const why = `${endpoint.url}${path}: ${(error as Error).message}`;
        failures.push(why);
        this.lastFailure = why;
        this.log.limited(`etcd-request ${endpoint.url}`, ETCD_LOG_INTERVAL_MS, 'warning', `etcd: ${why}`);
      }
    }
    this.reachable = false;
    throw new EtcdUnreachable(`no etcd endpoint answered: ${failures.join('; ')}`);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
    this.streamAgent.destroy();
  }

  private succeeded(index: number): void {
    this.reachable = true;
    if (index === this.current) return;
    this.current = index;
    this.log.log('notice', `etcd: now using ${this.endpoint().url}`);
    for (const listener of this.endpointListeners) listener();
  }

  /** One endpoint: an EtcdAnswerError for etcd's own refusals, any other error to try the next. */
  private async callOne<T>(endpoint: EtcdEndpoint, path: string, body: unknown, read: (json: unknown) => T): Promise<CallResult<T>> {
    for (let renewed = false; ; renewed = true) {
      const token = await this.authToken(endpoint);
      const sentAt = this.now();
      const answer = await postJson({ endpoint, path, body, timeoutMs: this.config.timeout, agent: this.agent, token });
      const error = answer.status === 200 ? null : readError(answer.json) ?? { code: null, message: `status ${answer.status}` };
      if (error === null) return { value: read(answer.json), sentAt };
      const stale = answer.status === 401 || error.code === UNAUTHENTICATED || /invalid auth token/.test(error.message);
      if (stale && this.config.auth !== null && !renewed) {
        this.token = null;
        continue;
      }
      if (answer.status >= 500 || (error.code !== null && RETRY_ELSEWHERE_CODES.has(error.code))) {
        throw new ConnectionError(`${error.message} (status ${answer.status})`);
      }
      throw this.refusal(answer.status, error.code, error.message);
    }
  }

  /** etcd's refusal, with what the operator can do about it when that is the configuration. */
  private refusal(status: number, code: number | null, message: string): EtcdAnswerError {
    const auth = this.config.auth;
    if (code === PERMISSION_DENIED) {
      const who = auth === null ? "the client certificate's user" : `user ${auth.user}`;
      return new EtcdAnswerError(status, code, `${message}: ${who} may not read or write ${this.config.prefix} (its role needs readwrite on that prefix)`, true);
    }
    if (auth === null && /user name is empty/.test(message)) {
      return new EtcdAnswerError(status, code, `${message}: etcd has authentication enabled; give 'user' and 'password' in the etcd section`, true);
    }
    return new EtcdAnswerError(status, code, message);
  }

  private async authenticate(endpoint: EtcdEndpoint): Promise<void> {
    const auth = this.config.auth;
    if (auth === null) return;
    const answer = await postJson({
      endpoint,
      path: '/v3/auth/authenticate',
      body: { name: auth.user, password: auth.password },
      timeoutMs: this.config.timeout,
      agent: this.agent,
      token: null,
    });
    if (answer.status !== 200) {
      const error = readError(answer.json);
      const why = `authentication as ${auth.user} refused: ${error?.message ?? `status ${answer.status}`}`;
      // A member without a leader cannot authenticate (etcd agrees on tokens through raft): try another.
      if (answer.status >= 500 || (error !== null && error.code !== null && RETRY_ELSEWHERE_CODES.has(error.code))) throw new ConnectionError(why);
      // Wrong credentials are the operator's to fix, not a reason to try elsewhere; but say so.
      throw new EtcdAnswerError(answer.status, error?.code ?? null, why, true);
    }
    this.token = readToken(answer.json);
  }
}
