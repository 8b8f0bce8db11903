// The heartbeat channels (DESIGN §3): up to three, each a multicast group, a broadcast address or
// unicast to the peers. Every channel both sends and receives; a node is alive while any of them
// delivers. Sending never throws: a heartbeat that cannot go out is counted and logged, at a
// bounded rate since heartbeats repeat five times a second.
import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { monotonicMs } from './clock.js';
import { within } from './within.js';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { RateLimiter } from './log.js';
import { MAX_DATAGRAM_BYTES } from '../wire/format.js';

/** The wire format's limit, which the transport enforces before sending. */
export { MAX_DATAGRAM_BYTES };

export const MAX_CHANNELS = 3;

/** A multicast channel's `interface` is the local address whose interface joins the group; null lets the system choose. */
export type ChannelSpec =
  | { kind: 'multicast'; group: string; port: number; interface: string | null; ttl: number }
  | { kind: 'broadcast'; address: string; port: number }
  | { kind: 'unicast' };

export type TransportLogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface TransportOptions {
  channels: ChannelSpec[];
  /** Where unicast heartbeats arrive (the unicast channel's socket). */
  listen: { address: string; port: number };
  /** Unicast targets: addresses or names, resolved once at start. */
  peers: Array<{ host: string; port: number }>;
  onDatagram: (data: Buffer, from: { address: string; port: number; channel: number }) => void;
  log: (level: TransportLogLevel, message: string) => void;
  /** Bound on resolving one peer name at start. */
  resolveTimeoutMs?: number;
  /** The same complaint is logged at most once per this interval. */
  complaintIntervalMs?: number;
  /** Monotonic milliseconds, for the complaint rate limit. */
  now?: () => number;
}

export interface TransportStats {
  /** Datagrams the kernel accepted, one per destination. */
  sent: number;
  received: number;
  /** Datagrams not sent: refused by the kernel, oversized, or sent while not running. */
  sendErrors: number;
}

/** One channel's counts, kept in place and read live: incremented on every datagram, never reallocated. */
export interface ChannelCounters {
  /** Datagrams the kernel accepted on this channel, one per destination. */
  sent: number;
  /** Datagrams this channel could not send. */
  sendErrors: number;
  /** Datagrams received on this channel, before any check. */
  received: number;
}

interface Target {
  address: string;
  port: number;
}

/** One bound socket and where it sends. */
interface Outlet {
  channel: number;
  label: string;
  socket: dgram.Socket;
  targets: Target[];
  counters: ChannelCounters;
}

const SOCKET_CLOSE_TIMEOUT_MS = 2_000;
/** Configured and learned unicast targets together; a cluster has a handful of nodes. */
const MAX_UNICAST_TARGETS = 64;
const BIND_TIMEOUT_MS = 5_000;

function endpoint(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

function label(channel: ChannelSpec): string {
  switch (channel.kind) {
    case 'multicast':
      return `multicast ${endpoint(channel.group, channel.port)}`;
    case 'broadcast':
      return `broadcast ${endpoint(channel.address, channel.port)}`;
    case 'unicast':
      return 'unicast';
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function validPort(port: number, allowAny: boolean): boolean {
  return Number.isInteger(port) && port >= (allowAny ? 0 : 1) && port <= 65_535;
}

/** A dual-stack IPv6 socket reports IPv4 senders as `::ffff:a.b.c.d`; `friends` lists plain IPv4. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped === null ? address : (mapped[1] as string);
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, SOCKET_CLOSE_TIMEOUT_MS);
    try {
      socket.close(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      // Already closed (a failed bind closes it): nothing to wait for.
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Addresses already known to be literal, with their family: checked once, not on every datagram. */
const literalFamilies = new Map<string, number>();
/** More would mean addresses that are not the transport's own targets: those take the ordinary lookup. */
const MAX_LITERAL_FAMILIES = 256;

/**
 * The sockets' address lookup. Every target is an address resolved at start, yet dgram looks each
 * one up again on every send (a syntax check, then a deferred callback); a literal seen before is
 * answered at once, so a heartbeat goes out in the same turn of the loop. Names take the system's
 * lookup, as dgram would.
 */
export function lookupLiteral(address: string, family: unknown, callback: (error: Error | null, address: string, family: number) => void): void {
  let known = literalFamilies.get(address);
  if (known === undefined) {
    known = isIP(address);
    if (known !== 0 && literalFamilies.size < MAX_LITERAL_FAMILIES) literalFamilies.set(address, known);
  }
  if (known !== 0) {
    callback(null, address, known);
    return;
  }
  dnsLookup(address, { family: family === 6 ? 6 : family === 4 ? 4 : 0 }, (error, resolved, resolvedFamily) => callback(error, resolved, resolvedFamily));
}

/** Binds a new socket, rejecting with the address in the message. */
async function bindSocket(type: dgram.SocketType, reuseAddr: boolean, address: string, port: number, what: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type, reuseAddr, lookup: lookupLiteral });
  const bound = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  try {
    await within(bound, BIND_TIMEOUT_MS, `binding UDP ${endpoint(address, port)}`);
    return socket;
  } catch (error) {
    await closeSocket(socket);
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'address in use (another process, or a second daemon with the same address?)' : errorText(error);
    throw new Error(`${what}: cannot bind UDP ${endpoint(address, port)}: ${why}`);
  }
}

/** A peer's address: IPv4 preferred; an IPv4 socket can only reach IPv4 peers. */
async function resolvePeer(host: string, ipv4Only: boolean, timeoutMs: number): Promise<string> {
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await within(lookup(host, { all: true }), timeoutMs, `resolving peer '${host}'`);
  } catch (error) {
    throw new Error(`cannot resolve peer '${host}': ${errorText(error)}`);
  }
  const chosen = addresses.find((a) => a.family === 4) ?? (ipv4Only ? undefined : addresses[0]);
  if (chosen === undefined) throw new Error(`peer '${host}' has no IPv4 address, and the listen address is IPv4`);
  return chosen.address;
}

export class UdpTransport {
  private state: 'new' | 'starting' | 'running' | 'closed' = 'new';
  private outlets: Outlet[] = [];
  private sockets: dgram.Socket[] = [];
  /** The peers, resolved, in the order given. */
  private resolved: Target[] = [];
  private sent = 0;
  private received = 0;
  private sendErrors = 0;
  private readonly limiter: RateLimiter;
  private readonly complaintIntervalMs: number;
  /** One per configured channel, in their order, allocated once. */
  private readonly perChannel: ChannelCounters[];

  constructor(private readonly options: TransportOptions) {
    this.perChannel = options.channels.map(() => ({ sent: 0, sendErrors: 0, received: 0 }));
    this.limiter = new RateLimiter(options.now ?? monotonicMs);
    this.complaintIntervalMs = options.complaintIntervalMs ?? 10_000;
  }

  /** Resolves the peers and binds every channel; on failure nothing stays bound. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`UDP transport: start() called when ${this.state}`);
    this.state = 'starting';
    try {
      this.validate();
      const listenIPv6 = isIPv6(this.options.listen.address);
      const timeoutMs = this.options.resolveTimeoutMs ?? 5_000;
      this.resolved = await Promise.all(
        this.options.peers.map(async (peer) => ({ address: await resolvePeer(peer.host, !listenIPv6, timeoutMs), port: peer.port })),
      );
      for (const [index, channel] of this.options.channels.entries()) {
        this.checkNotClosed();
        const outlet = await this.open(index, channel);
        this.checkNotClosed();
        this.outlets.push(outlet);
      }
      this.state = 'running';
    } catch (error) {
      const sockets = this.sockets;
      this.sockets = [];
      this.outlets = [];
      if (this.state === 'starting') this.state = 'closed';
      await Promise.all(sockets.map(closeSocket));
      throw error;
    }
  }

  /** The peers' resolved addresses, in the order given (for the `friends` source check). */
  peerAddresses(): string[] {
    return this.resolved.map((peer) => peer.address);
  }

  /**
   * A peer heard on a unicast channel from an address not configured (HASTMON's `remote` lists may
   * be one-way: the watchdog names both nodes, they name only each other) is answered there too.
   * Call only for heartbeats with a valid MAC (never without a key), so nobody can make this node
   * send elsewhere at will.
   * Returns true when the address was new.
   */
  learnPeer(channel: number, address: string, port: number): boolean {
    const outlet = this.outlets.find((o) => o.channel === channel && o.label.startsWith('unicast'));
    if (outlet === undefined) return false;
    const plain = (a: string): string => (a.startsWith('::ffff:') ? a.slice(7) : a);
    if (outlet.targets.some((t) => plain(t.address) === plain(address) && t.port === port)) return false;
    if (outlet.targets.length >= MAX_UNICAST_TARGETS) return false;
    const ipv6Socket = outlet.socket.address().family === 'IPv6';
    outlet.targets.push({ address: ipv6Socket && isIPv4(address) ? `::ffff:${address}` : address, port });
    return true;
  }

  /** Sends `datagram` on every channel; never throws. */
  send(datagram: Buffer): void {
    if (this.state !== 'running') {
      this.sendErrors += 1;
      this.complain(`not-running:${this.state}`, 'warning', `heartbeat not sent: the transport is ${this.state}`);
      return;
    }
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this.sendErrors += 1;
      this.complain('oversize', 'error', `heartbeat of ${datagram.length} bytes not sent: the limit is ${MAX_DATAGRAM_BYTES}`);
      return;
    }
    for (const outlet of this.outlets) {
      for (const target of outlet.targets) this.sendTo(outlet, target, datagram);
    }
  }

  /** Closes every socket, releasing its port; waits a bounded time. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const sockets = this.sockets;
    this.sockets = [];
    this.outlets = [];
    await Promise.all(sockets.map(closeSocket));
  }

  stats(): TransportStats {
    return { sent: this.sent, received: this.received, sendErrors: this.sendErrors };
  }

  /** Each configured channel's counters, in the configuration's order: live objects, not copies. */
  channelCounters(): readonly Readonly<ChannelCounters>[] {
    return this.perChannel;
  }

  private validate(): void {
    const { channels, listen, peers } = this.options;
    if (channels.length === 0 || channels.length > MAX_CHANNELS) {
      throw new Error(`UDP transport: ${channels.length} channels given, expected 1 to ${MAX_CHANNELS}`);
    }
    if (channels.filter((c) => c.kind === 'unicast').length > 1) throw new Error('UDP transport: more than one unicast channel');
    if (isIP(listen.address) === 0 || !validPort(listen.port, true)) {
      throw new Error(`UDP transport: bad listen address ${endpoint(listen.address, listen.port)}`);
    }
    for (const peer of peers) {
      if (!validPort(peer.port, false)) throw new Error(`UDP transport: bad port ${peer.port} for peer '${peer.host}'`);
    }
    const unicast = channels.some((c) => c.kind === 'unicast');
    for (const [index, channel] of channels.entries()) {
      const what = `channel ${index} (${label(channel)})`;
      if (channel.kind === 'unicast') continue;
      if (!validPort(channel.port, false)) throw new Error(`${what}: bad port ${channel.port}`);
      if (channel.kind === 'multicast') {
        if (isIP(channel.group) === 0) throw new Error(`${what}: the group must be an IP address`);
        // A wildcard listen socket that does not share its port cannot coexist with the shared
        // group socket (and would receive the group's datagrams a second time).
        if (unicast && channel.port === listen.port && (listen.address === '0.0.0.0' || listen.address === '::')) {
          throw new Error(
            `${what}: port ${channel.port} is also the port of the listen address ${endpoint(listen.address, listen.port)}; ` +
              'give the listen address another port or a specific address',
          );
        }
        if (channel.interface !== null && isIP(channel.interface) !== isIP(channel.group)) {
          throw new Error(`${what}: interface ${channel.interface} is not of the group's address family`);
        }
        if (!Number.isInteger(channel.ttl) || channel.ttl < 0 || channel.ttl > 255) throw new Error(`${what}: bad TTL ${channel.ttl}`);
      } else {
        if (!isIPv4(channel.address)) throw new Error(`${what}: a broadcast address must be IPv4`);
        // The broadcast socket shares its port with other daemons (SO_REUSEADDR); the listen socket
        // must not, so the two cannot both bind it.
        if (unicast && channel.port === listen.port) {
          throw new Error(`${what}: port ${channel.port} is also the listen port; give the broadcast channel another port`);
        }
      }
    }
  }

  private checkNotClosed(): void {
    if (this.state !== 'starting') throw new Error('UDP transport: closed while starting');
  }

  private async open(index: number, channel: ChannelSpec): Promise<Outlet> {
    const what = `channel ${index} (${label(channel)})`;
    let socket: dgram.Socket;
    let targets: Target[];
    switch (channel.kind) {
      case 'multicast': {
        // Bound to the group itself and shared: every daemon on this host hears the group.
        socket = await bindSocket(isIPv6(channel.group) ? 'udp6' : 'udp4', true, channel.group, channel.port, what);
        this.sockets.push(socket);
        const iface = channel.interface;
        try {
          socket.setMulticastTTL(channel.ttl);
          // Other daemons on this host are peers too; the caller drops our own heartbeats.
          socket.setMulticastLoopback(true);
          if (iface !== null) socket.setMulticastInterface(iface);
          socket.addMembership(channel.group, iface ?? undefined);
        } catch (error) {
          throw new Error(`${what}: cannot join the group on interface ${iface ?? '(system default)'}: ${errorText(error)}`);
        }
        targets = [{ address: channel.group, port: channel.port }];
        break;
      }
      case 'broadcast':
        socket = await bindSocket('udp4', true, '0.0.0.0', channel.port, what);
        this.sockets.push(socket);
        socket.setBroadcast(true);
        targets = [{ address: channel.address, port: channel.port }];
        break;
      case 'unicast': {
        const { address, port } = this.options.listen;
        const ipv6 = isIPv6(address);
        socket = await bindSocket(ipv6 ? 'udp6' : 'udp4', false, address, port, what);
        this.sockets.push(socket);
        // A dual-stack IPv6 socket reaches IPv4 peers through mapped addresses.
        targets = this.resolved.map((peer) => (ipv6 && isIPv4(peer.address) ? { ...peer, address: `::ffff:${peer.address}` } : peer));
        break;
      }
    }
    const counters = this.perChannel[index] ?? { sent: 0, sendErrors: 0, received: 0 };
    socket.on('message', (data, from) => this.deliver(counters, index, data, from));
    socket.on('error', (error) => this.complain(`socket:${index}`, 'error', `${what}: ${error.message}`));
    return { channel: index, label: label(channel), socket, targets, counters };
  }

  private deliver(counters: ChannelCounters, channel: number, data: Buffer, from: dgram.RemoteInfo): void {
    this.received += 1;
    counters.received += 1;
    try {
      this.options.onDatagram(data, { address: plainAddress(from.address), port: from.port, channel });
    } catch (error) {
      // One datagram must never take the daemon down (DESIGN §3): the handler's bug is logged.
      this.complain('handler', 'error', `heartbeat handler failed on a datagram from ${endpoint(from.address, from.port)}: ${errorText(error)}`);
    }
  }

  private sendTo(outlet: Outlet, target: Target, datagram: Buffer): void {
    const failed = (error: unknown): void => {
      this.sendErrors += 1;
      outlet.counters.sendErrors += 1;
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      this.complain(
        `send:${outlet.channel}:${code}`,
        'warning',
        `channel ${outlet.channel} (${outlet.label}): sending to ${endpoint(target.address, target.port)} failed: ${errorText(error)}`,
      );
    };
    try {
      outlet.socket.send(datagram, target.port, target.address, (error) => {
        if (error === null) {
          this.sent += 1;
          outlet.counters.sent += 1;
        } else failed(error);
      });
    } catch (error) {
      failed(error);
    }
  }

  /** At most one line per key per interval, then how many were suppressed. */
  private complain(key: string, level: TransportLogLevel, message: string): void {
    const suppressed = this.limiter.admit(key, this.complaintIntervalMs);
    if (suppressed === null) return;
    this.options.log(level, suppressed > 0 ? `${message} (${suppressed} more suppressed)` : message);
  }
}
