// Who may be a peer (DESIGN §8). Only a peer's heartbeats reach the replay window and the core,
// and only peers are echoed in this node's own heartbeats: so nothing a sender says can grow this
// node's memory, or its heartbeat past the datagram limit.
import { MAX_DATAGRAM_BYTES } from './format.js';
import { heartbeatBytes } from './size.js';

export type PeerPolicy =
  /** The nodes of the configuration file (every `on` section), spelled as they go on the wire. */
  | { kind: 'configured'; nodes: readonly string[] }
  /**
   * freehad (no file): the first nodes heard, up to `expectedNodes` with this one (`-n`), and only
   * as many as this node's heartbeat can echo within the datagram limit.
   */
  | { kind: 'discovered'; expectedNodes: number };

/** What this node's own heartbeat carries besides its echoes. */
export interface OwnHeartbeat {
  node: string;
  resources: readonly string[];
  keyed: boolean;
}

export class PeerAdmission {
  private readonly peers = new Set<string>();

  constructor(
    private policy: PeerPolicy,
    private readonly own: OwnHeartbeat,
  ) {
    if (policy.kind === 'configured') this.setConfigured(policy.nodes);
  }

  /**
   * Whether `node` is a peer. In freehad mode a node not yet known takes a free place if there is
   * one, for good: a place is never given to another node while this daemon runs.
   */
  admit(node: string): boolean {
    if (this.peers.has(node)) return true;
    if (this.policy.kind === 'configured' || node === this.own.node) return false;
    if (this.peers.size + 1 >= this.policy.expectedNodes) return false;
    const echoes = [...this.peers, node];
    // Votes name echoed nodes (one byte each); a vote for this node itself is one byte too.
    const size = heartbeatBytes({ ...this.own, echoes, resources: this.own.resources.map((name) => ({ name, vote: this.own.node })) });
    if (size > MAX_DATAGRAM_BYTES) return false;
    this.peers.add(node);
    return true;
  }

  /** A reload: the configured nodes now; returns the ones that are peers no more. */
  reconfigure(policy: PeerPolicy): string[] {
    this.policy = policy;
    if (policy.kind !== 'configured') return [];
    const removed = [...this.peers].filter((node) => !policy.nodes.includes(node));
    this.setConfigured(policy.nodes);
    return removed;
  }

  /** Why an unknown node was refused, for the log. */
  refusal(): string {
    return this.policy.kind === 'configured'
      ? 'no such node in the configuration'
      : `already ${this.peers.size} peers heard, and -n is ${this.policy.expectedNodes} (or their names fill the heartbeat)`;
  }

  get size(): number {
    return this.peers.size;
  }

  private setConfigured(nodes: readonly string[]): void {
    this.peers.clear();
    for (const node of nodes) if (node !== this.own.node) this.peers.add(node);
  }
}
