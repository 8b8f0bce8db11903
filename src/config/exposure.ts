// What an unkeyed node trusts, said at start: the channels whose heartbeats leave this host or
// may come from beyond it, where anyone who can send a datagram can speak for any node.
import { isIP } from 'node:net';
import type { NodeConfig } from './model.js';

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopback(address: string): boolean {
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/**
 * The channels of `config` that reach beyond this host, described for the log.
 * `peerAddresses` are the unicast channel's peers, resolved.
 */
export function channelsBeyondLoopback(config: NodeConfig, peerAddresses: readonly string[]): string[] {
  const beyond: string[] = [];
  for (const channel of config.channels) {
    switch (channel.kind) {
      case 'multicast':
        if (channel.interface === null || !isLoopback(channel.interface)) {
          beyond.push(`multicast ${channel.group}:${channel.port} on ${channel.interface ?? 'the interface the system chooses'}`);
        }
        break;
      case 'broadcast':
        if (!isLoopback(channel.address)) beyond.push(`broadcast ${channel.address}:${channel.port}`);
        break;
      case 'unicast': {
        const outside = peerAddresses.filter((a) => !isLoopback(a));
        if (!isLoopback(config.listen.host)) beyond.push(`unicast, listening on ${config.listen.text}`);
        else if (outside.length > 0) beyond.push(`unicast to ${outside.join(', ')}`);
        break;
      }
    }
  }
  return beyond;
}

/**
 * With only unicast and no key, nobody is answered at an address not configured: a node whose
 * `remote` lists fewer addresses than the cluster has other nodes (HASTMON's one-way lists) leaves
 * some peer unheard. Returns how many remote addresses there are and how many other nodes, or
 * null when that is no concern.
 */
export function unansweredPeers(config: NodeConfig): { remotes: number; others: number } | null {
  if (config.key !== null || config.peers.kind !== 'configured') return null;
  if (!config.channels.every((c) => c.kind === 'unicast')) return null;
  const others = config.peers.nodes.filter((n) => n !== config.node).length;
  return config.remotes.length < others ? { remotes: config.remotes.length, others } : null;
}
