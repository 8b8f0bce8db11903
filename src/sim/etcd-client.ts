// A simulated node's etcd client: the shell's part that turns the core's `etcd-want` effects into
// requests and etcd's answers into claims, by the same rules as the daemon's (DESIGN §4.8):
//  - want: grant a lease, then create the key only if absent; keep the lease alive every TTL/3;
//    the key counts until the SEND time of the last successful grant or keepalive + TTL - guard,
//    on this node's own (drifting) monotonic clock;
//  - a create is tried only when the key was seen absent (a read, or a watch's DELETE), never
//    because this node's clock says the owner's lease should be over;
//  - not want: revoke our lease (fire and forget: if lost, the lease runs out), keep watching;
//  - an unanswered request (timeout) is reported as unreachable.
// The key is also read every TTL/3, which resynchronises a watch whose events were lost.

import type { EtcdOwner, EtcdWatchEvent } from './etcd-store.js';
import type { EtcdClaim } from '../core/types.js';

export type EtcdRequest =
  | { op: 'grant'; ttlMs: number }
  | { op: 'keepalive'; lease: number }
  | { op: 'revoke'; lease: number }
  | { op: 'create'; key: string; owner: EtcdOwner; lease: number }
  | { op: 'get'; key: string };

export type EtcdReply =
  | { op: 'grant'; lease: number }
  | { op: 'keepalive'; ttlMs: number }
  | { op: 'revoke' }
  | { op: 'create'; created: boolean; current: { owner: EtcdOwner; lease: number } | null; revision: number }
  | { op: 'get'; current: { owner: EtcdOwner; lease: number } | null; revision: number };

/** What the client needs of its surroundings (the simulator's etcd glue). */
export interface EtcdClientIo {
  /** The node's monotonic clock now. */
  local(): number;
  /** Send a request; `onReply` is called with etcd's answer, or with null when it times out. */
  request(request: EtcdRequest, onReply: (reply: EtcdReply | null) => void): void;
  /** Call `fire` after `localMs` on this node's clock. */
  after(localMs: number, fire: () => void): void;
  /** Tell the core. */
  claim(resource: string, claim: EtcdClaim): void;
}

export interface EtcdClientConfig {
  node: string;
  incarnation: number;
  prefix: string;
  ttlMs: number;
  guard: number;
}

interface KeyState {
  resource: string;
  key: string;
  want: boolean;
  /** Bumps with every change of wish: answers to requests of an earlier wish are void. */
  epoch: number;
  /** Our lease while creating or owning the key. */
  lease: number | null;
  /** The key is ours, with `lease`. */
  owned: boolean;
  creating: boolean;
  /** The newest revision seen of the store, by a read or the watch. */
  revision: number;
  /** What was last seen of the key: absent, or its value. */
  seen: 'unknown' | 'absent' | { owner: EtcdOwner; lease: number };
  lastClaim: string;
  countsUntil: number;
}

export class EtcdClient {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly config: EtcdClientConfig,
    resources: readonly string[],
    private readonly io: EtcdClientIo,
  ) {
    for (const resource of resources) {
      const state: KeyState = {
        resource,
        key: `${config.prefix}${resource}/holder`,
        want: false,
        epoch: 0,
        lease: null,
        owned: false,
        creating: false,
        revision: 0,
        seen: 'unknown',
        lastClaim: '',
        countsUntil: -Infinity,
      };
      this.keys.set(resource, state);
      this.read(state);
      this.io.after(config.ttlMs / 3, () => this.poll(state));
    }
  }

  /** The core's wish changed. */
  want(resource: string, want: boolean): void {
    const s = this.keys.get(resource);
    if (s === undefined || s.want === want) return;
    s.want = want;
    s.epoch++;
    if (!want) {
      if (s.lease !== null) this.io.request({ op: 'revoke', lease: s.lease }, () => undefined);
      s.lease = null;
      s.owned = false;
      s.creating = false;
      return;
    }
    this.tryCreate(s);
  }

  /** A watch event for one of our keys (delivered in order; a lost one is made up by the next read). */
  watched(event: EtcdWatchEvent): void {
    for (const s of this.keys.values()) {
      if (s.key !== event.key || event.revision <= s.revision) continue;
      s.revision = event.revision;
      this.saw(s, event.type === 'DELETE' ? 'absent' : { owner: event.value.owner, lease: event.value.lease });
    }
  }

  private poll(s: KeyState): void {
    this.read(s);
    if (s.owned && s.lease !== null) this.keepalive(s, s.lease);
    this.io.after(this.config.ttlMs / 3, () => this.poll(s));
  }

  private read(s: KeyState): void {
    this.io.request({ op: 'get', key: s.key }, (reply) => {
      if (reply === null) return this.report(s, { status: 'unreachable' });
      if (reply.op !== 'get' || reply.revision < s.revision) return;
      s.revision = reply.revision;
      this.saw(s, reply.current ?? 'absent');
    });
  }

  /** What the key is now, as last seen: report it, and try to create it if it is absent and wanted. */
  private saw(s: KeyState, seen: KeyState['seen']): void {
    s.seen = seen;
    if (seen === 'absent') {
      if (s.owned) s.owned = false; // our lease ran out in etcd: our key is gone
      this.report(s, { status: 'free' });
      this.tryCreate(s);
      return;
    }
    if (seen === 'unknown') return;
    if (s.lease !== null && seen.lease === s.lease) return; // ours (or being created): the keepalives say until when
    if (s.owned) s.owned = false;
    this.report(s, { status: 'theirs', node: seen.owner.node, incarnation: seen.owner.incarnation });
  }

  private tryCreate(s: KeyState): void {
    if (!s.want || s.owned || s.creating || s.seen !== 'absent') return;
    s.creating = true;
    const epoch = s.epoch;
    const sentAt = this.io.local();
    this.io.request({ op: 'grant', ttlMs: this.config.ttlMs }, (granted) => {
      if (granted?.op !== 'grant') {
        if (epoch === s.epoch) s.creating = false;
        if (granted === null) this.report(s, { status: 'unreachable' });
        return; // a lease granted for nothing runs out unused
      }
      if (epoch !== s.epoch) return;
      s.lease = granted.lease;
      const owner = { node: this.config.node, incarnation: this.config.incarnation };
      this.io.request({ op: 'create', key: s.key, owner, lease: granted.lease }, (created) => {
        const stale = epoch !== s.epoch;
        if (created?.op !== 'create' || stale || !created.created) {
          if (!stale) {
            s.creating = false;
            s.lease = null;
          }
          // Revoke a lease that may hold a key nobody keeps alive, or wants: it goes at once.
          if (created === null || (created.op === 'create' && created.created)) this.io.request({ op: 'revoke', lease: granted.lease }, () => undefined);
          if (created === null) this.report(s, { status: 'unreachable' });
          else if (created.op === 'create' && !created.created && !stale && created.revision >= s.revision) {
            s.revision = created.revision;
            this.saw(s, created.current ?? 'absent');
          }
          return;
        }
        s.creating = false;
        s.owned = true;
        s.revision = Math.max(s.revision, created.revision);
        s.seen = { owner, lease: granted.lease };
        this.ours(s, sentAt);
      });
    });
  }

  private keepalive(s: KeyState, lease: number): void {
    const epoch = s.epoch;
    const sentAt = this.io.local();
    this.io.request({ op: 'keepalive', lease }, (reply) => {
      if (epoch !== s.epoch || s.lease !== lease || !s.owned) return;
      if (reply === null) return this.report(s, { status: 'unreachable' });
      if (reply.op !== 'keepalive') return;
      if (reply.ttlMs > 0) return this.ours(s, sentAt);
      // The lease is gone, and our key with it: the next read or the watch says who has it now.
      s.owned = false;
      s.lease = null;
      this.read(s);
    });
  }

  /** A grant or keepalive sent at `sentAt` succeeded: the key counts until then + TTL - guard. */
  private ours(s: KeyState, sentAt: number): void {
    const countsUntil = sentAt + this.config.ttlMs - this.config.guard;
    if (countsUntil <= s.countsUntil && s.lastClaim === 'ours') return;
    s.countsUntil = Math.max(countsUntil, s.countsUntil);
    s.lastClaim = 'ours';
    this.io.claim(s.resource, { status: 'ours', countsUntil: s.countsUntil });
  }

  private report(s: KeyState, claim: Exclude<EtcdClaim, { status: 'ours' }>): void {
    const text = claim.status === 'theirs' ? `theirs ${claim.node}#${claim.incarnation}` : claim.status;
    if (text === s.lastClaim) return;
    s.lastClaim = text;
    if (claim.status !== 'unreachable') s.countsUntil = -Infinity;
    this.io.claim(s.resource, claim);
  }
}
