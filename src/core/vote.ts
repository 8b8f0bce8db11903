// One voter's part in one resource (DESIGN §4.3): whom it wants to endorse, and the promise that
// keeps it from endorsing anyone else too soon. How long the promise lasts is the quorum rule's
// (quorum.ts); the order of preference is the election's (election.ts).

import type { NodeContext } from './context.js';
import { chooseEndorsement, comparePreference, mostPreferred, type Contender } from './election.js';
import { hearsUs, hearsUsUntil, promiseEndsAt, promiseExpired, releasesVoters } from './quorum.js';

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

/**
 * The node this one endorses for one resource, since when it endorses itself, and the heartbeat of
 * the endorsed node it echoes. That echo follows the endorsed node's newest heartbeat only while
 * that node shows it hears this one (quorum.ts, hearsUs); otherwise it stays where it was, so that
 * the endorsement runs out on the other side and the promise, counted from that heartbeat, ends a
 * lease later: a voter is never held by a node that cannot hear it.
 */
export class Ballot {
  private current = '';
  private since = Infinity;
  private echoed: { sentAt: number; heardAt: number } | undefined;

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
    this.follow(ctx);
    if (wanted === this.current || !this.promiseEnded(ctx)) return;
    ctx.log('debug', `${this.resource}: endorsing ${wanted === '' ? 'nobody' : wanted} (was ${this.current || 'nobody'})`);
    this.current = wanted;
    this.since = wanted === ctx.self ? ctx.now : Infinity;
    this.echoed = undefined;
    this.follow(ctx);
  }

  /** Echo the endorsed node's newest heartbeat, if it shows it hears this node. */
  private follow(ctx: NodeContext): void {
    if (this.current === '' || this.current === ctx.self) return;
    const peer = ctx.peers.get(this.current);
    if (peer === undefined) return;
    if (ctx.rules.endorseOnlyNodesHearingUs && !hearsUs(ctx.peers, this.current, ctx.self, ctx.now, ctx.bootAt, ctx.timing)) return;
    this.echoed = { sentAt: peer.heartbeat.sentAt, heardAt: peer.heardAt };
  }

  /**
   * The promise ends `lease` after this node heard the heartbeat it last echoed, or at once when
   * the endorsed node has released its voters itself.
   */
  private promiseEnded(ctx: NodeContext): boolean {
    if (this.current === '' || this.current === ctx.self) return true;
    const peer = ctx.peers.get(this.current);
    if (peer === undefined || this.echoed === undefined || promiseExpired(this.echoed.heardAt, ctx.now, ctx.timing)) return true;
    const report = ctx.peers.report(this.current, this.resource);
    return report === undefined || releasesVoters(this.current, report, peer.heartbeat.leaving);
  }

  /**
   * The earliest time after now to wake up and vote again: the promise running out, the endorsed
   * node going deaf. Infinity when none is ahead.
   */
  wakeAt(ctx: NodeContext): number {
    if (this.current === '' || this.current === ctx.self || this.echoed === undefined) return Infinity;
    const promise = promiseEndsAt(this.echoed.heardAt, ctx.timing);
    const deaf = hearsUsUntil(ctx.peers, this.current, ctx.self, ctx.bootAt, ctx.timing);
    let earliest = Infinity;
    if (promise > ctx.now) earliest = promise;
    if (deaf > ctx.now && deaf < earliest) earliest = deaf;
    return earliest;
  }

  /** The send time echoed with the vote: of the endorsed node's heartbeat followed, or ours. */
  echo(ctx: NodeContext, sentAt: number): number {
    if (this.current === '') return 0;
    if (this.current === ctx.self) return sentAt;
    this.follow(ctx);
    return this.echoed?.sentAt ?? 0;
  }
}
