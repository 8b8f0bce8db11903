// The benchmark's private network: three node namespaces and a client namespace, each with one veth
// to a bridge in a "switch" namespace of its own. The host's own namespace gets nothing but the
// namespace handles, and no namespace has a route anywhere else: nothing sent can leave them.
import { must, run } from './shell.js';
import { alive } from './proc.js';

/** Every namespace of a run is named PREFIX + the benchmark's pid + a role, so leftovers are found by name. */
export const PREFIX = 'hmcmp-';
export const NODES = ['n1', 'n2', 'n3'] as const;
export type NodeName = (typeof NODES)[number];

/** Private addresses used only inside the namespaces. */
export const SUBNET_PREFIX = 24;
export const NODE_ADDRESS: Record<NodeName, string> = { n1: '10.213.0.1', n2: '10.213.0.2', n3: '10.213.0.3' };
export const CLIENT_ADDRESS = '10.213.0.100';
export const FLOATING_ADDRESS = '10.213.0.50';
export const FLOATING_CIDR = `${FLOATING_ADDRESS}/${SUBNET_PREFIX}`;
/** The interface inside every node and client namespace. */
export const DEVICE = 'hm0';
/** The UDP port the echo responders listen on, on every node. */
export const ECHO_PORT = 7007;

export class Topology {
  readonly switchNs: string;
  readonly clientNs: string;
  private readonly nodeNs: Record<NodeName, string>;
  private created: string[] = [];

  constructor(readonly pid: number) {
    const base = `${PREFIX}${pid}`;
    this.switchNs = `${base}-sw`;
    this.clientNs = `${base}-cl`;
    this.nodeNs = { n1: `${base}-n1`, n2: `${base}-n2`, n3: `${base}-n3` };
  }

  ns(node: NodeName): string {
    return this.nodeNs[node];
  }

  /** ip's arguments for running a command inside a namespace. */
  exec(ns: string, command: string, ...args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', ns, command, ...args]];
  }

  async create(): Promise<void> {
    for (const ns of [this.switchNs, this.clientNs, ...NODES.map((n) => this.nodeNs[n])]) {
      await must('ip', ['netns', 'add', ns]);
      this.created.push(ns);
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      // No IPv6 at all: its router and neighbour solicitations would only add traffic to the measurements.
      await must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    const sw = this.switchNs;
    await must('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
    await must('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    const ends: Array<[string, string, string]> = [
      ...NODES.map((n): [string, string, string] => [`p-${n}`, this.nodeNs[n], NODE_ADDRESS[n]]),
      ['p-cl', this.clientNs, CLIENT_ADDRESS],
    ];
    for (const [port, ns, address] of ends) {
      // Both ends are made in the switch namespace and one is moved at once: none ever exists in the host's.
      await must('ip', ['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', DEVICE, 'netns', ns]);
      await must('ip', ['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
      await must('ip', ['-n', ns, 'addr', 'add', `${address}/${SUBNET_PREFIX}`, 'dev', DEVICE]);
      await must('ip', ['-n', ns, 'link', 'set', DEVICE, 'up']);
    }
  }

  /** Deletes every namespace this run made; the veths and the bridge go with them. */
  async destroy(): Promise<void> {
    for (const ns of this.created.reverse()) await run('ip', ['netns', 'delete', ns]);
    this.created = [];
  }

  /** A host that dies: its interface drops everything, ARP included, in both directions. */
  async cut(node: NodeName): Promise<void> {
    const rules = [
      'table netdev hmcmp_cut {',
      `  chain in { type filter hook ingress device "${DEVICE}" priority 0; policy drop; }`,
      `  chain out { type filter hook egress device "${DEVICE}" priority 0; policy drop; }`,
      '}',
      '',
    ].join('\n');
    const result = await run('ip', ['netns', 'exec', this.nodeNs[node], 'nft', '-f', '-'], { input: rules });
    // Without nft's egress hook (kernels before 5.16) the link goes down instead: the same silence.
    if (result.code !== 0) await must('ip', ['-n', this.nodeNs[node], 'link', 'set', DEVICE, 'down']);
  }

  /** The host comes back after a reboot: its interface works and carries no floating address. */
  async restore(node: NodeName): Promise<void> {
    const ns = this.nodeNs[node];
    await run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'netdev', 'hmcmp_cut']);
    await run('ip', ['-n', ns, 'addr', 'del', FLOATING_CIDR, 'dev', DEVICE]);
    await must('ip', ['-n', ns, 'link', 'set', DEVICE, 'up']);
  }

  /** Removes the floating address from every node, between two daemons' measurements. */
  async clearFloating(): Promise<void> {
    for (const node of NODES) await run('ip', ['-n', this.nodeNs[node], 'addr', 'del', FLOATING_CIDR, 'dev', DEVICE]);
  }
}

/**
 * Namespaces left by an earlier run that was killed (its pid no longer runs): the processes still
 * inside them (that run's daemons and responders) are killed by pid, then the namespaces deleted.
 */
export async function removeLeftovers(log: (line: string) => void): Promise<void> {
  const listed = await must('ip', ['netns', 'list']);
  for (const line of listed.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (match === null || alive(Number(match[1]))) continue;
    const pids = (await run('ip', ['netns', 'pids', name])).stdout.split('\n').filter((p) => /^\d+$/.test(p.trim()));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await run('ip', ['netns', 'delete', name]);
    log(`removed namespace ${name} left by an earlier run${pids.length > 0 ? ` and its ${pids.length} processes` : ''}`);
  }
}
