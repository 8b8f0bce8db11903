// The simulated etcd: one linearizable store (every request takes effect at one instant, in the
// order it arrives) with leases, the create-if-absent transaction hastmon uses, and watches. Lease
// time runs on etcd's own drifting clock; a leader change resets every lease to its full TTL, as
// etcd does, so a TTL is a minimum, never a deadline.

/** The value of a resource's key: who owns it. */
export interface EtcdOwner {
  node: string;
  incarnation: number;
}

export interface EtcdKey {
  owner: EtcdOwner;
  lease: number;
}

export type EtcdWatchEvent =
  | { type: 'PUT'; key: string; value: EtcdKey; revision: number }
  | { type: 'DELETE'; key: string; revision: number };

interface Lease {
  ttlMs: number;
  /** Real time it runs out, unless renewed. */
  expiresAt: number;
}

export interface EtcdStoreHooks {
  /** Call `expire` for `lease` at real time `at` (or later). */
  wakeAt(at: number, lease: number): void;
  /** A change every watcher of the key hears of. */
  changed(event: EtcdWatchEvent): void;
}

export class EtcdStore {
  private revision = 1;
  private nextLease = 1;
  private readonly leases = new Map<number, Lease>();
  private readonly keys = new Map<string, EtcdKey>();

  constructor(
    /** etcd's clock rate (lease time measured on it), within the tolerated drift of 1. */
    private readonly rate: number,
    private readonly hooks: EtcdStoreHooks,
    /**
     * The fraction of the TTL a lease really lasts: 1 for etcd. Less only in the tests that prove
     * the safety checker catches a node trusting a lease longer than etcd keeps it.
     */
    private readonly ttlFraction = 1,
  ) {}

  grant(now: number, ttlMs: number): number {
    const id = this.nextLease++;
    const lease = { ttlMs, expiresAt: now + this.realTtl(ttlMs) };
    this.leases.set(id, lease);
    this.hooks.wakeAt(lease.expiresAt, id);
    return id;
  }

  /** The lease's TTL after renewing it, 0 when it is gone (etcd answers TTL 0 then). */
  keepalive(now: number, id: number): number {
    const lease = this.leases.get(id);
    if (lease === undefined) return 0;
    lease.expiresAt = now + this.realTtl(lease.ttlMs);
    return lease.ttlMs;
  }

  revoke(id: number): void {
    this.dropLease(id);
  }

  /** The transaction `create_revision == 0 ? put key (with the lease) : get key`. */
  createIfAbsent(key: string, owner: EtcdOwner, lease: number): { created: true; revision: number } | { created: false; current: EtcdKey | null; revision: number } {
    const existing = this.keys.get(key);
    // A put naming a lease that is gone fails in etcd (lease not found).
    if (existing !== undefined || !this.leases.has(lease)) return { created: false, current: existing ?? null, revision: this.revision };
    const value = { owner, lease };
    this.keys.set(key, value);
    this.revision++;
    this.hooks.changed({ type: 'PUT', key, value, revision: this.revision });
    return { created: true, revision: this.revision };
  }

  get(key: string): { current: EtcdKey | null; revision: number } {
    return { current: this.keys.get(key) ?? null, revision: this.revision };
  }

  /** A new leader resets every lease to its full TTL from now. */
  leaderChange(now: number): void {
    for (const [id, lease] of this.leases) {
      lease.expiresAt = now + this.realTtl(lease.ttlMs);
      this.hooks.wakeAt(lease.expiresAt, id);
    }
  }

  /** Called at the time wakeAt asked: the lease goes with its keys, unless renewed meanwhile. */
  expire(now: number, id: number): void {
    const lease = this.leases.get(id);
    if (lease === undefined) return;
    if (lease.expiresAt > now) {
      this.hooks.wakeAt(lease.expiresAt, id);
      return;
    }
    this.dropLease(id);
  }

  private dropLease(id: number): void {
    if (!this.leases.delete(id)) return;
    for (const [key, value] of this.keys) {
      if (value.lease !== id) continue;
      this.keys.delete(key);
      this.revision++;
      this.hooks.changed({ type: 'DELETE', key, revision: this.revision });
    }
  }

  private realTtl(ttlMs: number): number {
    return (ttlMs * this.ttlFraction) / this.rate;
  }
}
