// `channel multicast [GROUP[:PORT]] [interface ADDR] [ttl N]`, `channel broadcast ADDR[:PORT]`,
// `channel unicast`.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { parseEndpoint } from './address.js';
import { DEFAULT_MULTICAST_GROUP, DEFAULT_MULTICAST_TTL, DEFAULT_PORT } from './defaults.js';
import type { Channel, MulticastChannel } from './model.js';
import { fail, ok, parseCount, type Parsed } from './values.js';

export const DEFAULT_MULTICAST_CHANNEL: MulticastChannel = {
  kind: 'multicast',
  group: DEFAULT_MULTICAST_GROUP,
  port: DEFAULT_PORT,
  interface: null,
  ttl: DEFAULT_MULTICAST_TTL,
};

const USAGE =
  "expected 'channel multicast [GROUP[:PORT]] [interface ADDR] [ttl N]', 'channel broadcast ADDR[:PORT]' or 'channel unicast'";

export function parseChannel(args: readonly string[]): Parsed<Channel> {
  const [kind, ...rest] = args;
  switch (kind) {
    case 'multicast':
      return parseMulticast(rest);
    case 'broadcast':
      return parseBroadcast(rest);
    case 'unicast':
      return rest.length === 0 ? ok({ kind: 'unicast' }) : fail(`unexpected '${rest.join(' ')}' after 'channel unicast': it takes no arguments`);
    case undefined:
      return fail(`missing argument: ${USAGE}`);
    default:
      return fail(`unknown channel kind '${kind}': ${USAGE}`);
  }
}

function isMulticastAddress(host: string): boolean {
  if (isIPv4(host)) {
    const first = Number(host.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return isIPv6(host) && host.toLowerCase().startsWith('ff');
}

function parseMulticast(args: readonly string[]): Parsed<Channel> {
  const channel: MulticastChannel = { ...DEFAULT_MULTICAST_CHANNEL };
  let i = 0;
  const first = args[0];
  if (first !== undefined && first !== 'interface' && first !== 'ttl') {
    const group = parseEndpoint(first, 'channel multicast', { defaultPort: DEFAULT_PORT });
    if (!group.ok) return group;
    if (!isMulticastAddress(group.value.host)) {
      return fail(`bad multicast group '${first}': expected an address in 224.0.0.0/4 (e.g. ${DEFAULT_MULTICAST_GROUP}) or ff00::/8`);
    }
    channel.group = group.value.host;
    channel.port = group.value.port;
    i = 1;
  }
  const seen = new Set<string>();
  while (i < args.length) {
    const option = args[i] as string;
    const value = args[i + 1];
    if (option !== 'interface' && option !== 'ttl') {
      return fail(`unexpected '${option}' in channel multicast: expected 'interface ADDR' or 'ttl N'`);
    }
    if (seen.has(option)) return fail(`'${option}' given twice in one channel`);
    seen.add(option);
    if (value === undefined) return fail(`missing argument: '${option}' in channel multicast expects ${option === 'ttl' ? 'a number' : 'an address'}`);
    if (option === 'ttl') {
      const ttl = parseCount(value, 'ttl', 0, 255);
      if (!ttl.ok) return ttl;
      channel.ttl = ttl.value;
    } else {
      if (isIP(value) === 0) return fail(`bad interface '${value}': expected the IP address of a local interface`);
      channel.interface = value;
    }
    i += 2;
  }
  return ok(channel);
}

function parseBroadcast(args: readonly string[]): Parsed<Channel> {
  const [address, ...extra] = args;
  if (address === undefined) return fail("missing argument: 'channel broadcast' expects ADDR[:PORT]");
  if (extra.length > 0) return fail(`unexpected '${extra.join(' ')}' after 'channel broadcast ${address}'`);
  const endpoint = parseEndpoint(address, 'channel broadcast', { defaultPort: DEFAULT_PORT });
  if (!endpoint.ok) return endpoint;
  if (!isIPv4(endpoint.value.host)) return fail(`bad broadcast address '${address}': expected an IPv4 address`);
  return ok({ kind: 'broadcast', address: endpoint.value.host, port: endpoint.value.port });
}
