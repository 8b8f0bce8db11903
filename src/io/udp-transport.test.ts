// Every datagram here stays on loopback: unicast to 127.0.0.1 ports, multicast with interface
// 127.0.0.1 and TTL 0, and broadcast only to 127.255.255.255 once the kernel's route for it is
// seen to be `dev lo`.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lookupLiteral, MAX_DATAGRAM_BYTES, UdpTransport, type ChannelSpec, type TransportOptions, type TransportLogLevel } from './udp-transport.js';

const GROUP = '239.255.42.99';
const LOOPBACK = '127.0.0.1';

interface Heard {
  text: string;
  address: string;
  port: number;
  channel: number;
}

interface Harness {
  transport: UdpTransport;
  heard: Heard[];
  logs: Array<{ level: TransportLogLevel; message: string }>;
}

const open: UdpTransport[] = [];
const blockers: dgram.Socket[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  await Promise.all(blockers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

function harness(options: Partial<TransportOptions> & Pick<TransportOptions, 'channels'>): Harness {
  const heard: Heard[] = [];
  const logs: Harness['logs'] = [];
  const transport = new UdpTransport({
    listen: { address: LOOPBACK, port: 0 },
    peers: [],
    onDatagram: (data, from) => heard.push({ text: data.toString(), ...from }),
    log: (level, message) => logs.push({ level, message }),
    ...options,
  });
  open.push(transport);
  return { transport, heard, logs };
}

/** Ports free on 127.0.0.1 now: held together so that they are distinct, then released. */
async function freePorts(count: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => new Promise<dgram.Socket>((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.bind(0, LOOPBACK, () => resolve(socket));
    })),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** A plain socket without SO_REUSEADDR holding `address:port`. */
function block(address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, address, () => {
      blockers.push(socket);
      resolve(socket);
    });
  });
}

/** Binding a plain socket succeeds only if nothing holds the port any more. */
async function portIsFree(address: string, port: number): Promise<boolean> {
  try {
    const socket = await block(address, port);
    blockers.splice(blockers.indexOf(socket), 1);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, ms: number, failure: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const texts = (h: Harness): string[] => h.heard.map((d) => d.text).sort();

function multicast(port: number): ChannelSpec {
  return { kind: 'multicast', group: GROUP, port, interface: LOOPBACK, ttl: 0 };
}

const MULTICAST_ON_LO_HELP =
  'no multicast datagram came back on 127.0.0.1. If the transport is right, the kernel does not loop multicast on lo here: check `ip link show lo` (MULTICAST flag), ' +
  '`ip route get 239.255.42.99 from 127.0.0.1` and firewall rules for 239.0.0.0/8 on lo. ' +
  'Making lo multicast-capable (`ip link set lo multicast on`) is a machine change this test does not make.';

describe('unicast', () => {
  it('three transports on 127.0.0.1 exchange heartbeats, each from its listen port', async () => {
    const ports = await freePorts(3);
    const names = ['alpha', 'bravo', 'charlie'];
    const nodes = ports.map((port, i) =>
      harness({
        channels: [{ kind: 'unicast' }],
        listen: { address: LOOPBACK, port },
        peers: ports.filter((_p, j) => j !== i).map((p) => ({ host: LOOPBACK, port: p })),
      }),
    );
    await Promise.all(nodes.map((n) => n.transport.start()));
    nodes.forEach((n, i) => n.transport.send(Buffer.from(names[i] as string)));
    await waitFor(
      () => nodes.every((n) => n.heard.length === 2),
      3_000,
      () => `unicast heartbeats missing: ${JSON.stringify(nodes.map(texts))}`,
    );
    expect(nodes.map(texts)).toEqual([
      ['bravo', 'charlie'],
      ['alpha', 'charlie'],
      ['alpha', 'bravo'],
    ]);
    const fromBravo = nodes[0]?.heard.find((d) => d.text === 'bravo');
    expect(fromBravo).toEqual({ text: 'bravo', address: LOOPBACK, port: ports[1], channel: 0 });
    expect(nodes.map((n) => n.transport.stats())).toEqual(Array(3).fill({ sent: 2, received: 2, sendErrors: 0 }));
    expect(nodes.map((n) => n.transport.channelCounters())).toEqual(Array(3).fill([{ sent: 2, received: 2, sendErrors: 0 }]));
    expect(nodes[0]?.transport.peerAddresses()).toEqual([LOOPBACK, LOOPBACK]);
  });

  const hostsFileHasLocalhost = ((): boolean => {
    try {
      return /^127\.0\.0\.1\s+(.*\s)?localhost(\s|$)/m.test(readFileSync('/etc/hosts', 'utf8'));
    } catch {
      return false;
    }
  })();

  // Only run where the name comes from /etc/hosts: a test must not send a DNS query out.
  it.runIf(hostsFileHasLocalhost)('resolves peer names once at start, preferring IPv4', async () => {
    const [a, b] = (await freePorts(2)) as [number, number];
    const sender = harness({ channels: [{ kind: 'unicast' }], listen: { address: LOOPBACK, port: a }, peers: [{ host: 'localhost', port: b }] });
    const receiver = harness({ channels: [{ kind: 'unicast' }], listen: { address: LOOPBACK, port: b } });
    await Promise.all([sender.transport.start(), receiver.transport.start()]);
    expect(sender.transport.peerAddresses()).toEqual([LOOPBACK]);
    sender.transport.send(Buffer.from('hello'));
    await waitFor(() => receiver.heard.length === 1, 3_000, () => 'no datagram sent to localhost arrived');
    expect(receiver.heard[0]).toMatchObject({ text: 'hello', address: LOOPBACK, port: a });
  });

  it('refuses an IPv6-only peer when listening on IPv4', async () => {
    const h = harness({ channels: [{ kind: 'unicast' }], peers: [{ host: '::1', port: 9 }] });
    await expect(h.transport.start()).rejects.toThrow("peer '::1' has no IPv4 address");
  });

  it('sends a datagram of exactly the limit and refuses a larger one', async () => {
    const [a, b] = (await freePorts(2)) as [number, number];
    let now = 0;
    const sender = harness({
      channels: [{ kind: 'unicast' }],
      listen: { address: LOOPBACK, port: a },
      peers: [{ host: LOOPBACK, port: b }],
      now: () => now,
    });
    const receiver = harness({ channels: [{ kind: 'unicast' }], listen: { address: LOOPBACK, port: b } });
    await Promise.all([sender.transport.start(), receiver.transport.start()]);
    for (let i = 0; i < 50; i += 1) sender.transport.send(Buffer.alloc(MAX_DATAGRAM_BYTES + 1, 0x78));
    now = 10_000;
    sender.transport.send(Buffer.alloc(MAX_DATAGRAM_BYTES + 1, 0x78));
    sender.transport.send(Buffer.alloc(MAX_DATAGRAM_BYTES, 0x79));
    await waitFor(() => receiver.heard.length === 1, 3_000, () => 'the 1400-byte datagram did not arrive');
    expect(receiver.heard[0]?.text).toBe('y'.repeat(MAX_DATAGRAM_BYTES));
    expect(sender.transport.stats()).toEqual({ sent: 1, received: 0, sendErrors: 51 });
    // Logged at a bounded rate: once, then once more after the interval with the count.
    expect(sender.logs).toEqual([
      { level: 'error', message: 'heartbeat of 1401 bytes not sent: the limit is 1400' },
      { level: 'error', message: 'heartbeat of 1401 bytes not sent: the limit is 1400 (49 more suppressed)' },
    ]);
  });

  it('never throws from send before start or after close', async () => {
    const h = harness({ channels: [{ kind: 'unicast' }], peers: [{ host: LOOPBACK, port: 9 }] });
    expect(() => h.transport.send(Buffer.from('early'))).not.toThrow();
    await h.transport.start();
    await h.transport.close();
    expect(() => h.transport.send(Buffer.from('late'))).not.toThrow();
    expect(h.transport.stats().sendErrors).toBe(2);
    expect(h.logs.map((l) => l.message)).toEqual(['heartbeat not sent: the transport is new', 'heartbeat not sent: the transport is closed']);
  });

  it('survives a handler that throws, and logs it', async () => {
    const [a, b] = (await freePorts(2)) as [number, number];
    const sender = harness({ channels: [{ kind: 'unicast' }], listen: { address: LOOPBACK, port: a }, peers: [{ host: LOOPBACK, port: b }] });
    const seen: string[] = [];
    const receiver = harness({
      channels: [{ kind: 'unicast' }],
      listen: { address: LOOPBACK, port: b },
      onDatagram: (data) => {
        seen.push(data.toString());
        if (data.toString() === 'bad') throw new Error('decoder bug');
      },
    });
    await Promise.all([sender.transport.start(), receiver.transport.start()]);
    sender.transport.send(Buffer.from('bad'));
    await waitFor(() => seen.length === 1, 3_000, () => 'first datagram missing');
    sender.transport.send(Buffer.from('good'));
    await waitFor(() => seen.length === 2, 3_000, () => 'second datagram missing after a handler error');
    expect(seen).toEqual(['bad', 'good']);
    expect(receiver.logs).toHaveLength(1);
    expect(receiver.logs[0]?.message).toMatch(/^heartbeat handler failed on a datagram from 127\.0\.0\.1:\d+: decoder bug$/);
  });
});

describe('multicast', () => {
  it('three transports on one group and port all hear each other, and themselves', async () => {
    const [port] = (await freePorts(1)) as [number];
    const names = ['alpha', 'bravo', 'charlie'];
    const nodes = names.map(() => harness({ channels: [multicast(port)] }));
    await Promise.all(nodes.map((n) => n.transport.start()));
    nodes.forEach((n, i) => n.transport.send(Buffer.from(names[i] as string)));
    await waitFor(
      () => nodes.every((n) => n.heard.length === 3),
      3_000,
      () => `${MULTICAST_ON_LO_HELP} Heard: ${JSON.stringify(nodes.map(texts))}`,
    );
    for (const node of nodes) {
      expect(texts(node)).toEqual(names);
      expect(node.heard.every((d) => d.address === LOOPBACK && d.port === port && d.channel === 0)).toBe(true);
      expect(node.transport.stats()).toEqual({ sent: 1, received: 3, sendErrors: 0 });
    }
  });

  it('tells channels apart when a node also has unicast, even on the group port', async () => {
    const [group, a] = (await freePorts(2)) as [number, number];
    const channels: ChannelSpec[] = [multicast(group), { kind: 'unicast' }];
    const first = harness({ channels, listen: { address: LOOPBACK, port: a }, peers: [{ host: LOOPBACK, port: group }] });
    // A specific listen address may share the group's port: each socket gets only its own datagrams.
    const second = harness({ channels, listen: { address: LOOPBACK, port: group }, peers: [{ host: LOOPBACK, port: a }] });
    await Promise.all([first.transport.start(), second.transport.start()]);
    first.transport.send(Buffer.from('from first'));
    await waitFor(
      () => second.heard.length === 2,
      3_000,
      () => `expected the heartbeat on both channels: ${JSON.stringify(second.heard)}. ${MULTICAST_ON_LO_HELP}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second.heard.map((d) => [d.channel, d.text, d.port]).sort()).toEqual([
      [0, 'from first', group],
      [1, 'from first', a],
    ]);
  });

  it('rejects an interface that is not a local address, and leaves nothing bound', async () => {
    const [port] = (await freePorts(1)) as [number];
    const h = harness({ channels: [{ kind: 'multicast', group: GROUP, port, interface: '203.0.113.77', ttl: 0 }] });
    await expect(h.transport.start()).rejects.toThrow(/channel 0 \(multicast 239\.255\.42\.99:\d+\): cannot join the group on interface 203\.0\.113\.77/);
    expect(await portIsFree('0.0.0.0', port)).toBe(true);
  });

  it('rejects a group port held by a socket that does not share it', async () => {
    const [port] = (await freePorts(1)) as [number];
    await block('0.0.0.0', port);
    const h = harness({ channels: [multicast(port)] });
    await expect(h.transport.start()).rejects.toThrow(`cannot bind UDP ${GROUP}:${port}: address in use`);
  });

  it('releases the group port on close', async () => {
    const [port] = (await freePorts(1)) as [number];
    const h = harness({ channels: [multicast(port)] });
    await h.transport.start();
    expect(await portIsFree('0.0.0.0', port)).toBe(false);
    await h.transport.close();
    expect(await portIsFree('0.0.0.0', port)).toBe(true);
  });
});

describe('binding and closing', () => {
  it('rejects a listen port in use, naming the address', async () => {
    const [port] = (await freePorts(1)) as [number];
    await block(LOOPBACK, port);
    const h = harness({ channels: [{ kind: 'unicast' }], listen: { address: LOOPBACK, port } });
    await expect(h.transport.start()).rejects.toThrow(`channel 0 (unicast): cannot bind UDP 127.0.0.1:${port}: address in use`);
  });

  it('closes what it bound when a later channel fails', async () => {
    const [group, listen] = (await freePorts(2)) as [number, number];
    await block(LOOPBACK, listen);
    const h = harness({ channels: [multicast(group), { kind: 'unicast' }], listen: { address: LOOPBACK, port: listen } });
    await expect(h.transport.start()).rejects.toThrow(/cannot bind UDP 127\.0\.0\.1/);
    expect(await portIsFree('0.0.0.0', group)).toBe(true);
  });

  it('releases the listen port on close', async () => {
    const [port] = (await freePorts(1)) as [number];
    const h = harness({ channels: [{ kind: 'unicast' }], listen: { address: LOOPBACK, port } });
    await h.transport.start();
    expect(await portIsFree(LOOPBACK, port)).toBe(false);
    await h.transport.close();
    expect(await portIsFree(LOOPBACK, port)).toBe(true);
    await expect(h.transport.start()).rejects.toThrow('start() called when closed');
  });

  it('refuses configurations it cannot serve', async () => {
    const cases: Array<[ChannelSpec[], string]> = [
      [[], '0 channels given, expected 1 to 3'],
      [[{ kind: 'unicast' }, { kind: 'unicast' }], 'more than one unicast channel'],
      [[multicast(1), multicast(2), multicast(3), multicast(4)], '4 channels given'],
      [[{ kind: 'multicast', group: GROUP, port: 5000, interface: '::1', ttl: 0 }], "not of the group's address family"],
      [[{ kind: 'multicast', group: GROUP, port: 5000, interface: LOOPBACK, ttl: 256 }], 'bad TTL 256'],
      [[{ kind: 'broadcast', address: 'ff02::1', port: 5000 }], 'a broadcast address must be IPv4'],
      [[multicast(5000), { kind: 'unicast' }], 'port 5000 is also the port of the listen address 0.0.0.0:5000'],
    ];
    const wildcard = { address: '0.0.0.0', port: 5000 };
    for (const [channels, message] of cases) {
      await expect(harness({ channels, listen: wildcard }).transport.start()).rejects.toThrow(message);
    }
  });
});

describe('broadcast', () => {
  it('refuses a broadcast port that is also the unicast listen port', async () => {
    const h = harness({
      channels: [{ kind: 'broadcast', address: '127.255.255.255', port: 5000 }, { kind: 'unicast' }],
      listen: { address: LOOPBACK, port: 5000 },
    });
    await expect(h.transport.start()).rejects.toThrow('port 5000 is also the listen port');
  });

  it('binds its port shared with other daemons and releases it on close', async () => {
    const [port] = (await freePorts(1)) as [number];
    const channels: ChannelSpec[] = [{ kind: 'broadcast', address: '127.255.255.255', port }];
    const first = harness({ channels });
    const second = harness({ channels });
    await first.transport.start();
    await second.transport.start();
    expect(await portIsFree('0.0.0.0', port)).toBe(false);
    await Promise.all([first.transport.close(), second.transport.close()]);
    expect(await portIsFree('0.0.0.0', port)).toBe(true);
  });

  const loopbackBroadcastStaysOnLo = ((): boolean => {
    if (process.platform !== 'linux') return false;
    try {
      const route = execFileSync('ip', ['route', 'get', '127.255.255.255'], { encoding: 'utf8', timeout: 5_000 });
      return /^broadcast 127\.255\.255\.255 dev lo\b/m.test(route);
    } catch {
      return false;
    }
  })();

  // Sends only when the kernel says 127.255.255.255 goes out on lo.
  it.runIf(loopbackBroadcastStaysOnLo)('two transports hear each other on 127.255.255.255', async () => {
    const [port] = (await freePorts(1)) as [number];
    const channels: ChannelSpec[] = [{ kind: 'broadcast', address: '127.255.255.255', port }];
    const nodes = [harness({ channels }), harness({ channels })];
    await Promise.all(nodes.map((n) => n.transport.start()));
    nodes.forEach((n, i) => n.transport.send(Buffer.from(`node ${i}`)));
    await waitFor(
      () => nodes.every((n) => n.heard.length === 2),
      3_000,
      () => `broadcast heartbeats missing: ${JSON.stringify(nodes.map(texts))}`,
    );
    for (const node of nodes) expect(texts(node)).toEqual(['node 0', 'node 1']);
  });
});

describe('address lookup on send', () => {
  it('answers a literal address within the call, with its family, so a heartbeat leaves in the same turn', () => {
    const answers: Array<[string, number]> = [];
    lookupLiteral('127.0.0.1', 4, (error, address, family) => {
      expect(error).toBeNull();
      answers.push([address, family]);
    });
    lookupLiteral('::ffff:127.0.0.1', 6, (_error, address, family) => answers.push([address, family]));
    expect(answers).toEqual([
      ['127.0.0.1', 4],
      ['::ffff:127.0.0.1', 6],
    ]);
  });

  it('gives a name to the system lookup, answering later', async () => {
    let answered = false;
    const result = new Promise<[Error | null, string, number]>((resolve) => {
      lookupLiteral('localhost', 4, (error, address, family) => {
        answered = true;
        resolve([error, address, family]);
      });
    });
    expect(answered).toBe(false);
    const [error, address, family] = await result;
    expect(error).toBeNull();
    expect(address).toBe('127.0.0.1');
    expect(family).toBe(4);
  });
});
