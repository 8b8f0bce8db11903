// Host names of peers and friends, resolved at start without making the resolver a condition of
// starting: boot order is not the operator's to choose, and a DNS server that is not up yet
// (EAI_AGAIN) must not keep a node out of its cluster. A name that does not resolve is logged,
// tried again in the background with back-off, and handed over the moment it resolves.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address of a name, as `dns.lookup(name, { all: true })` gives them. */
export type LookupAll = (host: string) => Promise<ResolvedAddress[]>;

export const systemLookup: LookupAll = (host) => lookup(host, { all: true });

/** The first retry comes soon: the resolver is often just a second behind at boot. */
export const FIRST_RETRY_MS = 1_000;

/** Retries double up to once a minute: a name that never resolves costs one lookup a minute. */
export const MAX_RETRY_MS = 60_000;

/** One lookup may take this long; past it the answer is awaited in the background. */
export const LOOKUP_TIMEOUT_MS = 5_000;

/** The wait before retry number `attempt` (1, 2, …): 1 s, 2 s, 4 s … 60 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(0, attempt - 1), 16));
}

export interface NameTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_TIMERS: NameTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface NameResolverOptions {
  lookup?: LookupAll;
  log: (level: 'info' | 'notice' | 'warning', message: string) => void;
  timers?: NameTimers;
  lookupTimeoutMs?: number;
}

/**
 * What to do with a name's addresses: null when they were taken, or why they will not do (a peer
 * with only IPv6 addresses for an IPv4 socket): the name is then tried again like one that did
 * not resolve.
 */
export type UseAddresses = (addresses: ResolvedAddress[]) => string | null;

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

export class NameResolver {
  private readonly lookup: LookupAll;
  private readonly timers: NameTimers;
  private readonly lookupTimeoutMs: number;
  private readonly pending = new Set<unknown>();
  private stopped = false;

  constructor(private readonly options: NameResolverOptions) {
    this.lookup = options.lookup ?? systemLookup;
    this.timers = options.timers ?? SYSTEM_TIMERS;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? LOOKUP_TIMEOUT_MS;
  }

  /**
   * Looks `host` up once and gives its addresses to `use`; resolves true when `use` took them.
   * Otherwise logs why, resolves false, and keeps trying in the background (1 s, doubling to
   * 60 s) until `use` takes them or stop() is called. An address needs no lookup.
   */
  async resolve(host: string, what: string, use: UseAddresses): Promise<boolean> {
    const family = isIP(host);
    if (family !== 0) return this.handOver(host, what, use, [{ address: host, family }], 0);
    return this.attempt(host, what, use, 0);
  }

  /** No more retries; answers still on their way are ignored. */
  stop(): void {
    this.stopped = true;
    for (const handle of this.pending) this.timers.clearTimeout(handle);
    this.pending.clear();
  }

  private async attempt(host: string, what: string, use: UseAddresses, failures: number): Promise<boolean> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.lookupWithin(host);
    } catch (error) {
      this.retryLater(host, what, use, failures + 1, `cannot resolve ${what} '${host}' (${describe(error)})`);
      return false;
    }
    return this.handOver(host, what, use, addresses, failures);
  }

  private handOver(host: string, what: string, use: UseAddresses, addresses: ResolvedAddress[], failures: number): boolean {
    if (this.stopped) return false;
    const refusal = use(addresses);
    if (refusal !== null) {
      this.retryLater(host, what, use, failures + 1, `${what} '${host}' ${refusal}`);
      return false;
    }
    if (failures > 0) {
      const list = addresses.map((a) => a.address).join(', ');
      this.options.log('notice', `${what} '${host}' resolves now (${list}) and is used, after ${failures} failed attempt(s)`);
    }
    return true;
  }

  private retryLater(host: string, what: string, use: UseAddresses, failures: number, why: string): void {
    if (this.stopped) return;
    const delay = retryDelayMs(failures);
    // The first failure is worth a warning; the retries that follow only say they go on.
    if (failures === 1) this.options.log('warning', `${why}: running without it for now; trying again in ${seconds(delay)}`);
    else this.options.log('info', `${why}: still without it; trying again in ${seconds(delay)}`);
    const handle = this.timers.setTimeout(() => {
      this.pending.delete(handle);
      if (!this.stopped) void this.attempt(host, what, use, failures);
    }, delay);
    this.pending.add(handle);
  }

  /**
   * getaddrinfo cannot be cancelled: past the timeout the answer is no longer awaited, and the
   * next attempt is at least a second later, so lookups of one name never pile up quickly.
   */
  private lookupWithin(host: string): Promise<ResolvedAddress[]> {
    let handle: unknown;
    const late = new Promise<never>((_resolve, reject) => {
      handle = this.timers.setTimeout(() => reject(new Error(`no answer within ${seconds(this.lookupTimeoutMs)}`)), this.lookupTimeoutMs);
      // stop() clears it too, so that a stopping daemon does not wait for it.
      this.pending.add(handle);
    });
    const answer = this.lookup(host);
    answer.catch(() => undefined); // a late failure after the timeout is not an unhandled rejection
    return Promise.race([answer, late]).finally(() => {
      this.pending.delete(handle);
      this.timers.clearTimeout(handle);
    });
  }
}
