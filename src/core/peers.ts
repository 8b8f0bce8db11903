// The node table: the newest heartbeat heard from each peer and when (on this node's clock).

import type { Echo, Heartbeat, ResourceReport } from './types.js';

export interface PeerRecord {
  heartbeat: Heartbeat;
  /** Local time the newest heartbeat was received. */
  heardAt: number;
  /** The previous heartbeat of the same incarnation, to see what changed. */
  previous: Heartbeat | undefined;
}

export type RecordResult = 'new-peer' | 'restarted' | 'updated' | 'stale';

export class PeerTable {
  private readonly peers = new Map<string, PeerRecord>();

  /**
   * Keeps the heartbeat if it is newer than what we have (a higher incarnation, or a higher seq of
   * the same one); older ones would roll state back. Once the newest has been silent for
   * `supersededAfter`, any heartbeat of that node is taken: the newest may have been forged or
   * corrupted (an incarnation far ahead, a seq near 2^32), or the node restarted with its clock set
   * back, and its real heartbeats must not stay hidden for good. The core passes the lease: an old
   * heartbeat delayed in the network and taken then can no longer free a voter early from its
   * promise to that node (a promise lasts a lease after the node was last heard), so it costs no
   * safety. Without `supersededAfter`, an older heartbeat is refused for good.
   */
  record(heartbeat: Heartbeat, now: number, supersededAfter = Infinity): RecordResult {
    const known = this.peers.get(heartbeat.node);
    if (known === undefined) {
      this.peers.set(heartbeat.node, { heartbeat, heardAt: now, previous: undefined });
      return 'new-peer';
    }
    const old = known.heartbeat;
    const superseded = now - known.heardAt >= supersededAfter;
    if (!superseded && heartbeat.incarnation < old.incarnation) return 'stale';
    if (!superseded && heartbeat.incarnation === old.incarnation && heartbeat.seq <= old.seq) return 'stale';
    const restarted = heartbeat.incarnation !== old.incarnation;
    this.peers.set(heartbeat.node, {
      heartbeat,
      heardAt: now,
      previous: restarted ? undefined : old,
    });
    return restarted ? 'restarted' : 'updated';
  }

  get(node: string): PeerRecord | undefined {
    return this.peers.get(node);
  }

  names(): string[] {
    return [...this.peers.keys()];
  }

  /** Heard within `deadtime` and not announced as gone. */
  isVisible(node: string, now: number, deadtime: number): boolean {
    const peer = this.peers.get(node);
    return peer !== undefined && !peer.heartbeat.leaving && now - peer.heardAt < deadtime;
  }

  report(node: string, resource: string): ResourceReport | undefined {
    return this.peers.get(node)?.heartbeat.resources.find((r) => r.name === resource);
  }

  previousReport(node: string, resource: string): ResourceReport | undefined {
    return this.peers.get(node)?.previous?.resources.find((r) => r.name === resource);
  }

  echoes(): Echo[] {
    return [...this.peers.values()].map((p) => ({
      node: p.heartbeat.node,
      seq: p.heartbeat.seq,
      sentAt: p.heartbeat.sentAt,
    }));
  }
}
