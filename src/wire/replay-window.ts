/**
 * What a received heartbeat is, compared with the newest one accepted from the same sender:
 * - fresh: newer; accept it.
 * - duplicate: the very same (incarnation, seq), e.g. one datagram delivered by two channels.
 * - stale: an older sequence number of the current incarnation (reordered or replayed).
 * - old-incarnation: from a previous run of the sender's daemon.
 */
export type ReplayVerdict = 'fresh' | 'duplicate' | 'stale' | 'old-incarnation';

/**
 * Far above any real cluster (the format targets 16 nodes): with a key, only real nodes can
 * produce an accepted datagram, so eviction never happens. Without a key anyone can invent
 * sender names, and the cap keeps that from growing memory without end; such a cluster has no
 * replay protection to lose by evicting.
 */
export const DEFAULT_MAX_SENDERS = 256;

interface Newest {
  incarnation: number;
  seq: number;
}

/**
 * Per sender, the newest (incarnation, seq) accepted. Heartbeats are state snapshots, so an older
 * one must never be applied after a newer one: only 'fresh' moves the window.
 */
export class ReplayWindow {
  /** Map order is update order: the first entry is the least recently updated sender. */
  private readonly newest = new Map<string, Newest>();

  constructor(private readonly maxSenders: number = DEFAULT_MAX_SENDERS) {
    if (!Number.isInteger(maxSenders) || maxSenders < 1) {
      throw new Error(`ReplayWindow needs room for at least one sender, got ${maxSenders}`);
    }
  }

  check(node: string, incarnation: number, seq: number): ReplayVerdict {
    const known = this.newest.get(node);
    if (known) {
      if (incarnation < known.incarnation) return 'old-incarnation';
      if (incarnation === known.incarnation) {
        if (seq === known.seq) return 'duplicate';
        if (seq < known.seq) return 'stale';
      }
    }
    this.remember(node, { incarnation, seq });
    return 'fresh';
  }

  /** How many senders are tracked (at most the cap). */
  get size(): number {
    return this.newest.size;
  }

  private remember(node: string, newest: Newest): void {
    this.newest.delete(node);
    this.newest.set(node, newest);
    if (this.newest.size > this.maxSenders) {
      const oldest = this.newest.keys().next();
      if (!oldest.done) this.newest.delete(oldest.value);
    }
  }
}
