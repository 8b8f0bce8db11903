// One voter's part in one resource (DESIGN §4.3): whom it wants to endorse, and the promise that
// keeps it from endorsing anyone else too soon. How long the promise lasts is the quorum rule's
// (quorum.ts); the order of preference is the election's (election.ts).

import type { NodeContext } from './context.js';
import { chooseEndorsement, comparePreference, mostPreferred, type Contender } from './election.js';
import { promiseEndsAt, promiseExpired, releasesVoters } from './quorum.js';

/**
 * The holder heard (stickiness), else the most preferred candidate heard. While nobody holds, a
 * preferred node still starting up (probing, listening) is waited for, so that the node that boots
 * first does not take the resource from the one that should have it; its probe has a timeout and
 * its listening a fixed length, so the wait is bounded.
 */
export function wantedEndorsement(
  holders: readonly Contender[],
  candidates: readonly Contender[],
  startingUp: readonly Contender[],
): string {
  if (holders.length === 0) {
    const best = mostPreferred(candidates);
    const pending = mostPreferred(startingUp);
    if (pending !== undefined && (best === undefined || comparePreference(pending, best) < 0)) return '';
  }
  return chooseEndorsement(holders, candidates);
}

/** The node this one endorses for one resource, and since when it endorses itself. */
export class Ballot {
  private current = '';
  private since = Infinity;

  constructor(private readonly resource: string) {}

  get vote(): string {
    return this.current;
  }

  /** When this node began endorsing itself (Infinity while it endorses someone else). */
  get selfVoteSince(): number {
    return this.since;
  }

  /** Endorse `wanted`, unless the promise made to the node endorsed now still holds. */
  offer(ctx: NodeContext, wanted: string): void {
    if (wanted === this.current || !this.promiseEnded(ctx)) return;
    ctx.log('debug', `${this.resource}: endorsing ${wanted === '' ? 'nobody' : wanted} (was ${this.current || 'nobody'})`);
    this.current = wanted;
    this.since = wanted === ctx.self ? ctx.now : Infinity;
  }

  /**
   * The promise ends `lease` after this node last heard the one it endorses, or at once when that
   * node has released its voters itself.
   */
  private promiseEnded(ctx: NodeContext): boolean {
    if (this.current === '' || this.current === ctx.self) return true;
    const peer = ctx.peers.get(this.current);
    if (peer === undefined || promiseExpired(peer.heardAt, ctx.now, ctx.timing)) return true;
    const report = ctx.peers.report(this.current, this.resource);
    return report === undefined || releasesVoters(this.current, report, peer.heartbeat.leaving);
  }

  /** When the promise runs out if nothing more is heard (a time to wake up and vote again). */
  promiseEndsAt(ctx: NodeContext): number {
    if (this.current === '' || this.current === ctx.self) return Infinity;
    const peer = ctx.peers.get(this.current);
    return peer === undefined ? Infinity : promiseEndsAt(peer.heardAt, ctx.timing);
  }

  /** The send time echoed with the vote: of the endorsed node's newest heartbeat heard, or ours. */
  echo(ctx: NodeContext, sentAt: number): number {
    if (this.current === '') return 0;
    if (this.current === ctx.self) return sentAt;
    return ctx.peers.get(this.current)?.heartbeat.sentAt ?? 0;
  }
}
