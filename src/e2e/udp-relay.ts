// A UDP relay between two nodes on loopback, for tests that cut the network between them: each
// node's `remote` names the relay's port that stands for the other node, and the relay forwards
// datagrams to the real listen port, or drops them in one direction or both when told. Only
// 127.0.0.1; nothing it receives is parsed.
import { createSocket, type Socket } from 'node:dgram';

const LOOPBACK = '127.0.0.1';

export type RelayDirection = 'a-to-b' | 'b-to-a';

export class UdpRelay {
  private readonly dropping = new Set<RelayDirection>();
  /** Datagrams forwarded and dropped, per direction: a test can see the relay really carried traffic. */
  readonly counts: Record<RelayDirection, { forwarded: number; dropped: number }> = {
    'a-to-b': { forwarded: 0, dropped: 0 },
    'b-to-a': { forwarded: 0, dropped: 0 },
  };

  private constructor(
    /** Stands for node a: node b sends its heartbeats here, and hears a's from here. */
    private readonly standsForA: Socket,
    /** Stands for node b. */
    private readonly standsForB: Socket,
    portOfA: number,
    portOfB: number,
  ) {
    // a sends to "b" (standsForB): it reaches b's real port from standsForA, so b hears it from a's stand-in.
    standsForB.on('message', (data) => this.forward('a-to-b', data, standsForA, portOfB));
    standsForA.on('message', (data) => this.forward('b-to-a', data, standsForB, portOfA));
  }

  /** A relay between nodes listening on 127.0.0.1:`portOfA` and 127.0.0.1:`portOfB`. */
  static async start(portOfA: number, portOfB: number): Promise<UdpRelay> {
    const [forA, forB] = await Promise.all([bound(), bound()]);
    return new UdpRelay(forA, forB, portOfA, portOfB);
  }

  /** The address node b must use as its `remote` for node a. */
  get addressOfA(): string {
    return `${LOOPBACK}:${this.standsForA.address().port}`;
  }

  /** The address node a must use as its `remote` for node b. */
  get addressOfB(): string {
    return `${LOOPBACK}:${this.standsForB.address().port}`;
  }

  /** Drops every datagram in the given directions from now on (both by default). */
  cut(directions: readonly RelayDirection[] = ['a-to-b', 'b-to-a']): void {
    for (const d of directions) this.dropping.add(d);
  }

  /** Forwards in every direction again. */
  heal(): void {
    this.dropping.clear();
  }

  close(): Promise<void> {
    const closing = (socket: Socket): Promise<void> => new Promise((resolve) => socket.close(() => resolve()));
    return Promise.all([closing(this.standsForA), closing(this.standsForB)]).then(() => undefined);
  }

  private forward(direction: RelayDirection, data: Buffer, from: Socket, port: number): void {
    if (this.dropping.has(direction)) {
      this.counts[direction].dropped += 1;
      return;
    }
    this.counts[direction].forwarded += 1;
    // A send error (the node is down: ICMP port unreachable) is the network's business, not the test's.
    from.send(data, port, LOOPBACK, () => undefined);
  }
}

function bound(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, () => {
      socket.removeListener('error', reject);
      // Errors after binding (an unreachable port reported on a later receive) are ignored as above.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
