// What one resource sees of its peers, worked out once per moment and state of the node table
// instead of at every question a decision asks (a step asks the same ones many times over).
// Everything here is a pure function of the peer table, the time and the voters, all of which
// are the key: the answers are those of outlook.ts and quorum.ts, only not recomputed.

import type { NodeContext } from './context.js';
import type { Contender } from './election.js';
import { peerCandidates, peerHolders, peersStartingUp, visiblePeerReports, type PeerReport } from './outlook.js';
import { bothWays } from './quorum.js';

export class OutlookCache {
  private now = Number.NaN;
  private version = -1;
  private voters: ReadonlySet<string> | undefined;
  private visibleReports: PeerReport[] = [];
  private visibleNodes: string[] = [];
  private holders: Contender[] = [];
  private candidates: Contender[] = [];
  private startingUp: Contender[] = [];
  private bothWaysCount = 0;

  /** The other voters heard within the deadtime, with their reports (outlook.ts); never to be changed. */
  visible(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): readonly PeerReport[] {
    this.refresh(ctx, resource, voters);
    return this.visibleReports;
  }

  /** The names of `visible`, in the same order. */
  visibleNames(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): readonly string[] {
    this.refresh(ctx, resource, voters);
    return this.visibleNodes;
  }

  /** peerHolders of the visible reports. */
  peerHolders(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): readonly Contender[] {
    this.refresh(ctx, resource, voters);
    return this.holders;
  }

  /** peerCandidates of the visible reports. */
  peerCandidates(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): readonly Contender[] {
    this.refresh(ctx, resource, voters);
    return this.candidates;
  }

  /** peersStartingUp of the visible reports. */
  peersStartingUp(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): readonly Contender[] {
    this.refresh(ctx, resource, voters);
    return this.startingUp;
  }

  /** bothWays (quorum.ts) of the voters. */
  bothWays(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): number {
    this.refresh(ctx, resource, voters);
    return this.bothWaysCount;
  }

  private refresh(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): void {
    const version = ctx.peers.version;
    if (ctx.now === this.now && version === this.version && voters === this.voters) return;
    this.now = ctx.now;
    this.version = version;
    this.voters = voters;
    const visible = visiblePeerReports(ctx, resource, voters);
    this.visibleReports = visible;
    this.visibleNodes = visible.map((p) => p.node);
    this.holders = peerHolders(visible);
    this.candidates = peerCandidates(visible);
    this.startingUp = peersStartingUp(visible);
    this.bothWaysCount = bothWays(ctx.peers, voters, ctx.self, ctx.now, ctx.bootAt, ctx.timing);
  }
}
