// etcd as one more voter (DESIGN §4.8), the shell's side: the core says per resource whether it
// wants the key `<prefix><resource>/holder` (EtcdWantEffect); this adapter owns it or lets it go,
// and tells the core what it knows of it (EtcdClaimInput).
//
// Rules it keeps: the key is created in a txn only if absent, bound to a lease of ours; the lease
// is kept alive about every TTL/3 and etcd's endorsement counts until the SEND time of the last
// successful grant or keepalive + TTL - guard; a create is tried again only when a watch shows the
// key deleted or a read shows it absent, never because a clock ran out; want=false and a clean
// shutdown revoke the lease, which deletes the key at once.
import type { EtcdClaim, EtcdClaimInput, EtcdWantEffect } from '../../core/types.js';
import { EtcdAnswerError, EtcdUnreachable, ETCD_LOG_INTERVAL_MS, type EtcdClient, type EtcdLog } from './etcd-client.js';
import { holderValue, readCreateTxn, readGrant, readHolder, readKeepAlive, readRange, toBase64, type KeyValue, type WatchMessage } from './gateway.js';
import { KeyWatch } from './key-watch.js';

/** Keepalives per TTL: a lost one still leaves two chances before the endorsement lapses. */
export const KEEPALIVES_PER_TTL = 3;

/** A revoke's own timeout fires on a timer: this much more lets its answer or its failure arrive. */
const CLOSE_SLACK_MS = 100;

/** etcd's state for status, the state file and metrics. */
export interface EtcdStatus {
  /** The endpoint requests go to first. */
  endpoint: string;
  /** Whether the last request was answered; null before the first. */
  connected: boolean | null;
  /** The last request that failed and why, '' if none. */
  lastError: string;
  resources: EtcdResourceStatus[];
}

export interface EtcdResourceStatus {
  name: string;
  claim: EtcdClaim['status'] | 'unknown';
  /** The key's owner as `node` (incarnation left out), '' when none is known. */
  owner: string;
  /** How much longer etcd's endorsement counts here, 0 unless the key is ours. */
  countsForMs: number;
}

export interface EtcdVoterOptions {
  client: EtcdClient;
  node: string;
  incarnation: number;
  resources: readonly string[];
  /** The etcd lease's TTL (EtcdVoterSpec.ttlMs) and the cluster's guard, in ms. */
  ttlMs: number;
  guardMs: number;
  /** The daemon's monotonic clock, the one the core's `now` comes from. */
  now: () => number;
  /** Each change of what is known of a key, and each renewal of ours. */
  onClaim: (input: EtcdClaimInput) => void;
  log: EtcdLog;
}

/** What the adapter knows of one resource's key and does about it. */
interface Slot {
  name: string;
  key: string;
  want: boolean;
  /** The lease of our latest create: '' when none. */
  lease: string;
  /** When the lease was asked for, for the first countsUntil. */
  leaseSentAt: number;
  /** The key as last seen: absent, present (with who owns it), or not known. */
  seen: { kind: 'unknown' } | { kind: 'free' } | { kind: 'present'; kv: KeyValue };
  /** The etcd revision `seen` is true at: an answer about an older one is stale and ignored. */
  seenAt: number;
  countsUntil: number;
  claim: EtcdClaim | null;
  /** A create or a revoke is under way; `again` asks for another look once it ends. */
  busy: boolean;
  again: boolean;
  keepalive: NodeJS.Timeout | undefined;
  keepaliveRunning: boolean;
  watch: KeyWatch | null;
  watchRetry: NodeJS.Timeout | undefined;
  /** The highest revision seen in the watch's events: it resumes after it. */
  revision: number;
}

export class EtcdVoter {
  private readonly slots = new Map<string, Slot>();
  private readonly client: EtcdClient;
  private closed = false;
  private started = false;
  private reader: NodeJS.Timeout | undefined;
  /** Revokes under way: a clean shutdown waits for them before it closes the connections. */
  private readonly revoking = new Set<Promise<boolean>>();

  constructor(private readonly options: EtcdVoterOptions) {
    this.client = options.client;
    this.addSlots(options.resources);
    this.client.onEndpointChange(() => {
      // A watch on an endpoint requests no longer use may hang on a member cut off from the rest.
      for (const slot of this.slots.values()) if (slot.watch !== null) this.restartWatch(slot);
    });
  }

  /**
   * Resources a reload added: their keys are read and watched from now on. Removed ones keep their
   * slot, since the core still stops them and then gives their keys up.
   */
  addResources(names: readonly string[]): void {
    const added = this.addSlots(names);
    if (this.started && !this.closed) for (const slot of added) this.restartWatch(slot);
  }

  private addSlots(names: readonly string[]): Slot[] {
    const added: Slot[] = [];
    for (const name of names) {
      if (this.slots.has(name)) continue;
      const slot: Slot = {
        name,
        key: `${this.options.client.config.prefix}${name}/holder`,
        want: false,
        lease: '',
        leaseSentAt: 0,
        seen: { kind: 'unknown' },
        seenAt: 0,
        countsUntil: 0,
        claim: null,
        busy: false,
        again: false,
        keepalive: undefined,
        keepaliveRunning: false,
        watch: null,
        watchRetry: undefined,
        revision: 0,
      };
      this.slots.set(name, slot);
      added.push(slot);
    }
    return added;
  }

  /** Reads every key and watches it from then on; reads again every TTL while the key is not ours. */
  start(): void {
    this.started = true;
    for (const slot of this.slots.values()) this.restartWatch(slot);
    this.reader = setInterval(() => {
      for (const slot of this.slots.values()) if (!this.isOurs(slot)) void this.read(slot);
    }, this.options.ttlMs);
  }

  /** The core's wish for one resource. */
  want(effect: EtcdWantEffect): void {
    const slot = this.slots.get(effect.resource);
    if (slot === undefined || this.closed) return;
    slot.want = effect.want;
    if (!effect.want) this.stopKeepalive(slot);
    void this.drive(slot);
  }

  status(): EtcdStatus {
    const now = this.options.now();
    return {
      endpoint: this.client.endpoint().url,
      connected: this.client.connected(),
      lastError: this.client.lastError(),
      resources: [...this.slots.values()].map((slot) => ({
        name: slot.name,
        claim: slot.claim?.status ?? 'unknown',
        owner: this.ownerOf(slot),
        countsForMs: slot.claim?.status === 'ours' ? Math.max(0, Math.round(slot.claim.countsUntil - now)) : 0,
      })),
    };
  }

  /** Requests to single endpoints so far, by outcome, for /metrics. */
  requestCounts(): ReturnType<EtcdClient['requestCounts']> {
    return this.client.requestCounts();
  }

  /** How long `close` needs at most for its revokes: one request through every endpoint. */
  closeBoundMs(): number {
    return this.client.callBoundMs() + CLOSE_SLACK_MS;
  }

  /**
   * Stops watching and revokes every lease of ours, so that the keys go at once; bounded by
   * `timeoutMs`. Revokes already under way (a want=false just before) are waited for too: closing
   * the connections under them would leave the key to its TTL.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reader);
    for (const slot of this.slots.values()) {
      this.stopKeepalive(slot);
      clearTimeout(slot.watchRetry);
      slot.watch?.close();
      slot.watch = null;
      if (slot.lease !== '') void this.revokeLease(slot.lease);
      slot.lease = '';
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.revoking]), late]);
    clearTimeout(timer);
    this.client.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Creating and revoking.

  /** One create or revoke at a time per key; whatever came up meanwhile is looked at after it. */
  private async drive(slot: Slot): Promise<void> {
    if (slot.busy) {
      slot.again = true;
      return;
    }
    slot.busy = true;
    try {
      do {
        slot.again = false;
        if (this.closed) return;
        if (!slot.want && slot.lease !== '') await this.release(slot);
        else if (slot.want && slot.seen.kind === 'free') await this.create(slot);
        else if (slot.want && this.isOurs(slot) && !slot.keepaliveRunning) this.scheduleKeepalive(slot, 0);
      } while (slot.again);
    } finally {
      slot.busy = false;
    }
  }

  private async create(slot: Slot): Promise<void> {
    const { node, incarnation } = this.options;
    try {
      if (slot.lease !== '') {
        // An earlier lease whose key is gone: let etcd forget it now rather than after its TTL.
        const old = slot.lease;
        slot.lease = '';
        void this.revokeLease(old);
      }
      const grant = await this.client.call('/v3/lease/grant', { TTL: String(this.options.ttlMs / 1_000) }, readGrant);
      if (this.closed) {
        // Closed while the grant was on its way: nothing will keep it, let etcd drop it now.
        void this.revokeLease(grant.value.id);
        return;
      }
      slot.lease = grant.value.id;
      slot.leaseSentAt = grant.sentAt;
      const key = toBase64(slot.key);
      const txn = await this.client.call(
        '/v3/kv/txn',
        {
          compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
          success: [{ request_put: { key, value: toBase64(holderValue(node, incarnation)), lease: grant.value.id } }],
          failure: [{ request_range: { key } }],
        },
        readCreateTxn,
      );
      if (txn.value.created) {
        this.options.log.log('info', `etcd: ${slot.name}: key ${slot.key} is ours`);
        this.learn(slot, { kind: 'present', kv: { value: holderValue(node, incarnation), lease: grant.value.id, modRevision: txn.value.revision } }, txn.value.revision);
        return;
      }
      // Another owns it: our lease is of no use; wait for the watch to show the key deleted.
      const unused = slot.lease;
      slot.lease = '';
      void this.revokeLease(unused);
      this.learn(slot, txn.value.kv === null ? { kind: 'free' } : { kind: 'present', kv: txn.value.kv }, txn.value.revision);
    } catch (error) {
      // A txn whose answer was lost may have created the key: the lease is kept, and a watch or
      // read that shows the key with it makes the key ours again.
      this.failed(slot, 'create', error);
    }
  }

  private async release(slot: Slot): Promise<void> {
    const lease = slot.lease;
    slot.lease = '';
    this.stopKeepalive(slot);
    if (await this.revokeLease(lease)) this.options.log.log('info', `etcd: ${slot.name}: lease revoked, key ${slot.key} released`);
    // The watch shows the DELETE; until then the claim's countsUntil is no longer renewed.
  }

  /** Revokes a lease: true when etcd has no such lease any more. */
  private revokeLease(lease: string): Promise<boolean> {
    const revoke = this.tryRevoke(lease);
    this.revoking.add(revoke);
    void revoke.finally(() => this.revoking.delete(revoke));
    return revoke;
  }

  private async tryRevoke(lease: string): Promise<boolean> {
    try {
      await this.client.call('/v3/lease/revoke', { ID: lease }, () => null);
      return true;
    } catch (error) {
      if (error instanceof EtcdAnswerError && error.code === 5) return true; // not found: already gone
      this.options.log.limited('etcd-revoke', ETCD_LOG_INTERVAL_MS, 'warning', `etcd: cannot revoke lease ${lease}: ${(error as Error).message}; it expires with its TTL`);
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Keeping the lease alive.

  private keepaliveInterval(): number {
    return Math.max(1, Math.floor(this.options.ttlMs / KEEPALIVES_PER_TTL));
  }

  private scheduleKeepalive(slot: Slot, delay: number): void {
    clearTimeout(slot.keepalive);
    slot.keepaliveRunning = true;
    slot.keepalive = setTimeout(() => void this.keepalive(slot), delay);
  }

  private stopKeepalive(slot: Slot): void {
    clearTimeout(slot.keepalive);
    slot.keepalive = undefined;
    slot.keepaliveRunning = false;
  }

  private async keepalive(slot: Slot): Promise<void> {
    const lease = slot.lease;
    if (this.closed || !slot.want || lease === '' || !this.isOurs(slot)) {
      slot.keepaliveRunning = false;
      return;
    }
    try {
      const answer = await this.client.call('/v3/lease/keepalive', { ID: lease }, readKeepAlive);
      if (slot.lease !== lease || !slot.keepaliveRunning) return;
      if (answer.value.ttlSec <= 0) {
        // The lease expired (the key with it): no longer ours. Read what the key is now.
        this.options.log.log('warning', `etcd: ${slot.name}: lease ${lease} expired; key ${slot.key} lost`);
        slot.lease = '';
        this.stopKeepalive(slot);
        slot.countsUntil = 0;
        this.emit(slot, { status: 'free' }, false);
        void this.read(slot);
        return;
      }
      this.renewed(slot, answer.sentAt);
    } catch (error) {
      if (slot.lease !== lease || !slot.keepaliveRunning) return;
      this.failed(slot, 'keepalive', error);
    }
    this.scheduleKeepalive(slot, this.keepaliveInterval());
  }

  /** A grant or keepalive sent at `sentAt` succeeded: etcd endorses us until then + TTL - guard. */
  private renewed(slot: Slot, sentAt: number): void {
    slot.countsUntil = Math.max(slot.countsUntil, sentAt + this.options.ttlMs - this.options.guardMs);
    this.emit(slot, { status: 'ours', countsUntil: slot.countsUntil }, true);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading and watching.

  /** Reads the key (at start, every TTL while not ours, after a lost lease or a compaction). */
  private async read(slot: Slot): Promise<number | null> {
    try {
      const answer = await this.client.call('/v3/kv/range', { key: toBase64(slot.key) }, readRange);
      this.learn(slot, answer.value.kv === null ? { kind: 'free' } : { kind: 'present', kv: answer.value.kv }, answer.value.revision);
      return answer.value.revision;
    } catch (error) {
      this.failed(slot, 'read', error);
      return null;
    }
  }

  private restartWatch(slot: Slot): void {
    slot.watch?.close();
    slot.watch = null;
    clearTimeout(slot.watchRetry);
    void this.openWatch(slot);
  }

  /** Watches from the revision after the last one seen; with none seen, reads the key first. */
  private async openWatch(slot: Slot): Promise<void> {
    if (this.closed) return;
    if (slot.revision === 0) {
      const revision = await this.read(slot);
      if (this.closed || slot.watch !== null) return;
      if (revision === null) {
        this.retryWatch(slot);
        return;
      }
      slot.revision = revision;
    }
    const endpoint = this.client.endpoint();
    slot.watch = new KeyWatch(this.client, endpoint, slot.key, slot.revision + 1, {
      onMessage: (message) => this.onWatch(slot, message),
      onEnd: (why) => {
        slot.watch = null;
        this.options.log.limited(`etcd-watch ${endpoint.url}`, ETCD_LOG_INTERVAL_MS, 'warning', `etcd: watch of ${slot.key} on ${endpoint.url} ended: ${why}`);
        this.retryWatch(slot);
      },
    });
  }

  /** A broken watch is opened again after a pause as long as one request may take. */
  private retryWatch(slot: Slot): void {
    if (this.closed) return;
    clearTimeout(slot.watchRetry);
    slot.watchRetry = setTimeout(() => void this.openWatch(slot), this.client.config.timeout);
  }

  private onWatch(slot: Slot, message: WatchMessage): void {
    if (message.compactRevision > 0) {
      // What we missed is gone from etcd's history: read the key again, then watch from there.
      slot.watch?.close();
      slot.watch = null;
      slot.revision = 0;
      void this.openWatch(slot);
      return;
    }
    if (message.created && slot.claim?.status === 'unreachable') void this.read(slot);
    for (const event of message.events) {
      slot.revision = Math.max(slot.revision, event.kv.modRevision);
      this.learn(slot, event.type === 'DELETE' ? { kind: 'free' } : { kind: 'present', kv: event.kv }, event.kv.modRevision);
    }
  }

  /**
   * What a read, a txn or a watch showed of the key at etcd's `revision`; an absent key is a chance
   * to create it. Answers cross each other (a read sent before our create may come back after it):
   * one about an older revision than what is known is stale and changes nothing.
   */
  private learn(slot: Slot, seen: Slot['seen'], revision: number): void {
    if (revision < slot.seenAt) return;
    slot.seenAt = revision;
    slot.seen = seen;
    if (seen.kind === 'free') {
      if (slot.claim?.status === 'ours') this.options.log.log('warning', `etcd: ${slot.name}: key ${slot.key} deleted while ours`);
      this.stopKeepalive(slot);
      slot.countsUntil = 0;
      this.emit(slot, { status: 'free' }, false);
      if (slot.want) void this.drive(slot);
      return;
    }
    if (seen.kind !== 'present') return;
    if (this.isOurs(slot)) {
      // Ours (perhaps by a txn whose answer was lost): counted from the grant until a keepalive renews it.
      if (slot.claim?.status !== 'ours') this.renewed(slot, slot.leaseSentAt);
      if (slot.want && !slot.keepaliveRunning) this.scheduleKeepalive(slot, this.keepaliveInterval());
      return;
    }
    slot.countsUntil = 0;
    const holder = readHolder(seen.kv.value);
    this.emit(slot, holder === null ? { status: 'theirs', node: '', incarnation: 0 } : { status: 'theirs', ...holder }, false);
  }

  private isOurs(slot: Slot): boolean {
    return slot.seen.kind === 'present' && slot.lease !== '' && slot.seen.kv.lease === slot.lease;
  }

  private failed(slot: Slot, what: string, error: unknown): void {
    if (error instanceof EtcdUnreachable) {
      // Our key stays ours until countsUntil, whatever etcd does meanwhile (a leader election makes
      // every member refuse for a moment): saying 'unreachable' earlier would make a holder that
      // leans on etcd give up for nothing. status() shows the lost connection at once.
      if (slot.claim?.status === 'ours' && this.options.now() < slot.claim.countsUntil) return;
      this.emit(slot, { status: 'unreachable' }, false);
      return;
    }
    this.options.log.limited(`etcd-${what}`, ETCD_LOG_INTERVAL_MS, 'warning', `etcd: ${slot.name}: ${what} failed: ${(error as Error).message}`);
  }

  private ownerOf(slot: Slot): string {
    if (slot.claim?.status === 'ours') return this.options.node;
    if (slot.claim?.status === 'theirs') return slot.claim.node;
    return '';
  }

  /** Tells the core when the claim changed; a renewal of ours is told every time (`always`). */
  private emit(slot: Slot, claim: EtcdClaim, always: boolean): void {
    if (this.closed) return;
    if (!always && slot.claim !== null && JSON.stringify(slot.claim) === JSON.stringify(claim)) return;
    slot.claim = claim;
    this.options.onClaim({ kind: 'etcd', resource: slot.name, claim });
  }
}
