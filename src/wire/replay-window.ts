/**
 * What a received heartbeat is, compared with the newest one accepted from the same sender:
 * - fresh: newer; accept it.
 * - duplicate: the very same (incarnation, seq), e.g. one datagram delivered by two channels.
 * - stale: an older sequence number of the current incarnation (reordered or replayed).
 * - old-incarnation: from a previous run of the sender's daemon.
 */
export type ReplayVerdict = 'fresh' | 'duplicate' | 'stale' | 'old-incarnation';

interface Newest {
  incarnation: number;
  seq: number;
  /** When it was accepted, on this node's monotonic clock. */
  at: number;
}

/**
 * Per sender, the newest (incarnation, seq) accepted. Heartbeats are state snapshots, so an older
 * one must never be applied after a newer one: only 'fresh' moves the window.
 *
 * Once the newest has been silent for `supersededAfter` (the lease), whatever the sender sends
 * next is fresh: that newest may have been forged or corrupted (an incarnation far ahead, a seq
 * near 2^32), or the sender restarted with its clock set back, and its real heartbeats must not
 * be hidden for good. The core's peer table follows the same rule, and says why the lease.
 *
 * One entry per sender ever accepted: the intake admits only the cluster's nodes
 * (PeerAdmission), so the window is bounded by the configuration.
 */
export class ReplayWindow {
  private readonly newest = new Map<string, Newest>();

  constructor(private readonly supersededAfter: number) {
    if (!(supersededAfter > 0)) throw new Error(`ReplayWindow needs a positive silence to supersede after, got ${supersededAfter}`);
  }

  /** The verdict on (incarnation, seq) from `node`, received at monotonic time `now`. */
  check(node: string, incarnation: number, seq: number, now: number): ReplayVerdict {
    const known = this.newest.get(node);
    if (known && now - known.at < this.supersededAfter) {
      if (incarnation < known.incarnation) return 'old-incarnation';
      if (incarnation === known.incarnation) {
        if (seq === known.seq) return 'duplicate';
        if (seq < known.seq) return 'stale';
      }
    }
    this.newest.set(node, { incarnation, seq, at: now });
    return 'fresh';
  }

  /** Forgets a node that is no longer a peer (a reload removed it). */
  forget(node: string): void {
    this.newest.delete(node);
  }

  /** How many senders are tracked. */
  get size(): number {
    return this.newest.size;
  }
}
