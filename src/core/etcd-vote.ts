// etcd's part in one resource on one node (DESIGN §4.8): what this node knows of the resource's
// key, whether it wishes to own it, and until when etcd's endorsement of this node counts. Whether
// to wish is the lifecycle's decision (ResourceMachine.wantsEtcdKey); the arithmetic is the
// quorum rule's (quorum.ts). The shell carries out the wish and reports the claim.

import type { NodeContext } from './context.js';
import { etcdEndorsementEndsAt, etcdSendTimeOf } from './quorum.js';
import type { EtcdClaim, EtcdView, EtcdVoterSpec } from './types.js';

/**
 * Reported send times are recomputed from countsUntil (send + TTL - guard): allow for the rounding
 * of that sum, far below any real gap between two requests.
 */
const SEND_TIME_ROUNDING_MS = 1e-3;

export class EtcdVote {
  private claim: EtcdClaim | undefined;
  /**
   * The latest claim that the key is ours. A request that went unanswered (unreachable) says
   * nothing of the lease: etcd still keeps it at least the TTL after the last successful send, so
   * it counts on until then, and one lost keepalive does not stop a holder relying on etcd. The
   * key seen free or another's ends it at once.
   */
  private ours: Extract<EtcdClaim, { status: 'ours' }> | undefined;
  /** The wish last told to the shell; undefined before the first. */
  private wanted: boolean | undefined;
  /** Local time the wish last turned true. */
  private wantSince = Infinity;

  constructor(private readonly resource: string) {}

  onClaim(ctx: NodeContext, claim: EtcdClaim): void {
    const before = this.claim;
    this.claim = claim;
    if (claim.status === 'ours') this.ours = claim;
    else if (claim.status !== 'unreachable') this.ours = undefined;
    if (before !== undefined && describe(before) === describe(claim)) return;
    ctx.log(claim.status === 'unreachable' ? 'warning' : 'notice', `${this.resource}: etcd: ${describe(claim)}`);
  }

  /** Tell the shell when the wish changes, and once at the start (level-triggered). */
  wish(ctx: NodeContext, want: boolean): void {
    if (want === this.wanted) return;
    this.wanted = want;
    this.wantSince = want ? ctx.now : Infinity;
    ctx.emit({ kind: 'etcd-want', resource: this.resource, want });
  }

  /**
   * Until when etcd's endorsement of this node counts, -Infinity when it does not. Only while the
   * key is ours (see `ours`) and this node still wishes to own it: once it gave the key up, the
   * revoke may already have let another node create it, whatever answer arrives late. A claim
   * whose request was sent before the wish last began belongs to an earlier wish: it does not count.
   */
  endsAt(ctx: NodeContext, spec: EtcdVoterSpec): number {
    const claim = this.ours;
    if (this.wanted !== true || claim === undefined) return -Infinity;
    if (etcdSendTimeOf(claim.countsUntil, ctx.timing, spec.ttlMs) < this.wantSince - SEND_TIME_ROUNDING_MS) return -Infinity;
    return etcdEndorsementEndsAt(claim.countsUntil, ctx.timing, spec.ttlMs);
  }

  /**
   * Whether etcd could endorse this node now, as a voter it is in touch with: its key is free or
   * already ours. Held by another (or by an earlier incarnation of this node), or out of reach, it
   * cannot; a node counting on it would only draw votes away from one that can be elected.
   */
  couldEndorse(): boolean {
    return this.claim?.status === 'free' || this.claim?.status === 'ours';
  }

  /** Why etcd cannot endorse this node now, for the reason shown. */
  whyNot(): string {
    return this.claim === undefined ? 'etcd not heard yet' : `etcd: ${describe(this.claim)}`;
  }

  view(ctx: NodeContext, spec: EtcdVoterSpec, self: string): EtcdView {
    const claim = this.claim;
    const owner = claim?.status === 'theirs' ? claim.node : claim?.status === 'ours' ? self : '';
    return { claim: claim?.status ?? 'unknown', owner, countsForMs: Math.max(0, this.endsAt(ctx, spec) - ctx.now) };
  }
}

function describe(claim: EtcdClaim): string {
  switch (claim.status) {
    case 'ours':
      return 'the key is ours';
    case 'theirs':
      return `the key is held by ${claim.node} (incarnation ${claim.incarnation})`;
    case 'free':
      return 'the key is free';
    case 'unreachable':
      return 'unreachable';
  }
}
