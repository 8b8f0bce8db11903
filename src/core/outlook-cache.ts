// What one resource sees of its peers (outlook.ts, and bothWays of quorum.ts), worked out again
// only when it may have changed, instead of at every question of every step.
//
// The answers depend on the voters and, for each other voter, on three things only: whether it is
// visible (PeerTable.isVisible), whether it shows it hears this node (quorum.ts hearsUs), and what
// its report says of the resource (all but the vote and its echo, which are read from the report
// itself, kept up to date). So a voter's new heartbeat that changes none of the three swaps in the
// new report and keeps the rest, and a step whose time moved re-checks the two conditions only
// once one of them may have turned: each turns at a moment known in advance (a deadtime after
// the voter was heard, or after its echo of us), and until a little before it, nothing is
// checked. Every check is the condition itself, so the answers are exactly those worked out anew.

import type { NodeContext } from './context.js';
import type { Contender } from './election.js';
import { peerCandidates, peerHolders, peersStartingUp, visiblePeerReports, type PeerReport } from './outlook.js';
import type { PeerRecord } from './peers.js';
import { bothWays, hearsUs } from './quorum.js';
import type { ResourceReport } from './types.js';

/** What is kept of one voter (other than this node), in the order of the voters. */
interface VoterSeen {
  node: string;
  /** The record the answers were worked out from (undefined: never heard). */
  record: PeerRecord | undefined;
  report: ResourceReport | undefined;
  visible: boolean;
  hearsUs: boolean;
  /** Its entry among the visible reports, swapped to each new report. */
  entry: PeerReport | undefined;
  /** Before this time neither `visible` nor `hearsUs` can have turned (mayTurnAt). */
  mayTurnAt: number;
}

/** What one node sees of one resource's other voters; the arrays are never to be changed. */
export interface Outlook {
  /** The other voters heard within the deadtime, with their reports (outlook.ts). */
  visible: readonly PeerReport[];
  /** Their names, in the same order. */
  visibleNames: readonly string[];
  /** peerHolders, peerCandidates, peersStartingUp of `visible`. */
  holders: readonly Contender[];
  candidates: readonly Contender[];
  startingUp: readonly Contender[];
  /** bothWays (quorum.ts) of the voters. */
  bothWays: number;
}

export class OutlookCache {
  private voters: ReadonlySet<string> | undefined;
  /** The table's version and the time of the last look. */
  private version = -1;
  private now = Number.NaN;
  /** No condition kept can have turned before this time (see mayTurnAt). */
  private until = -Infinity;
  private seen: VoterSeen[] = [];
  private readonly seenByNode = new Map<string, VoterSeen>();
  private readonly view: Outlook = { visible: [], visibleNames: [], holders: [], candidates: [], startingUp: [], bothWays: 0 };

  /** The outlook of `resource` among `voters` now, worked out again only where it may have changed. */
  read(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): Readonly<Outlook> {
    this.refresh(ctx, resource, voters);
    return this.view;
  }

  private refresh(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): void {
    const version = ctx.peers.version;
    const now = ctx.now;
    if (voters === this.voters && now === this.now && version === this.version) return;
    if (voters !== this.voters || now < this.now || !this.keep(ctx, resource, version)) this.rebuild(ctx, resource, voters);
    this.version = version;
    this.now = now;
  }

  /** Whether every condition kept still holds at ctx.now, taking in new heartbeats that change none. */
  private keep(ctx: NodeContext, resource: string, version: number): boolean {
    if (ctx.now >= this.until) {
      // Some condition may have turned: check them all, and every new heartbeat with them.
      for (const seen of this.seen) if (!this.still(ctx, resource, seen)) return false;
      this.until = earliest(this.seen);
      return true;
    }
    if (version === this.version) return true;
    if (version === this.version + 1) {
      // One heartbeat taken since the last look: only its sender's part can have changed.
      const seen = this.seenByNode.get(ctx.peers.lastRecorded);
      if (seen === undefined) return true;
      if (!this.still(ctx, resource, seen)) return false;
    } else {
      for (const seen of this.seen) if (ctx.peers.get(seen.node) !== seen.record && !this.still(ctx, resource, seen)) return false;
    }
    this.until = earliest(this.seen);
    return true;
  }

  /** Whether one voter's conditions hold as kept at ctx.now; its new report, if any, is taken in. */
  private still(ctx: NodeContext, resource: string, seen: VoterSeen): boolean {
    const record = ctx.peers.get(seen.node);
    if (ctx.peers.isVisible(seen.node, ctx.now, ctx.timing.deadtime) !== seen.visible) return false;
    if (hearsUs(ctx.peers, seen.node, ctx.self, ctx.now, ctx.bootAt, ctx.timing) !== seen.hearsUs) return false;
    if (record !== seen.record) {
      const report = ctx.peers.report(seen.node, resource);
      if ((report === undefined) !== (seen.report === undefined)) return false;
      if (seen.visible && report !== undefined && seen.report !== undefined && !sameStanding(report, seen.report)) return false;
      seen.record = record;
      seen.report = report;
      if (seen.entry !== undefined && report !== undefined) seen.entry.report = report;
    }
    seen.mayTurnAt = mayTurnAt(ctx, seen);
    return true;
  }

  private rebuild(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): void {
    this.voters = voters;
    const visible = visiblePeerReports(ctx, resource, voters);
    const view = this.view;
    view.visible = visible;
    view.visibleNames = visible.map((p) => p.node);
    view.holders = peerHolders(visible);
    view.candidates = peerCandidates(visible);
    view.startingUp = peersStartingUp(visible);
    view.bothWays = bothWays(ctx.peers, voters, ctx.self, ctx.now, ctx.bootAt, ctx.timing);
    this.seen = [];
    this.seenByNode.clear();
    for (const node of voters) {
      if (node === ctx.self) continue;
      const seen: VoterSeen = {
        node,
        record: ctx.peers.get(node),
        report: ctx.peers.report(node, resource),
        visible: ctx.peers.isVisible(node, ctx.now, ctx.timing.deadtime),
        hearsUs: hearsUs(ctx.peers, node, ctx.self, ctx.now, ctx.bootAt, ctx.timing),
        entry: visible.find((p) => p.node === node),
        mayTurnAt: -Infinity,
      };
      seen.mayTurnAt = mayTurnAt(ctx, seen);
      this.seen.push(seen);
      this.seenByNode.set(node, seen);
    }
    this.until = earliest(this.seen);
  }
}

/** The same standing in the election: every field the answers read (all but the vote and its echo). */
function sameStanding(a: ResourceReport, b: ResourceReport): boolean {
  return (
    a.state === b.state &&
    a.role === b.role &&
    a.priority === b.priority &&
    a.eligible === b.eligible &&
    a.yielding === b.yielding &&
    a.forced === b.forced &&
    a.dirty === b.dirty
  );
}

/**
 * Both conditions turn once at most as time goes on, each at a moment known in advance: a visible
 * voter turns invisible a deadtime after it was heard (isVisible: now - heardAt < deadtime), and a
 * voter shows it hears us from its echo of us until a deadtime after it (hearsUs). Those moments
 * are worked out by a sum that may round otherwise than the conditions' own differences: so the
 * conditions are checked again from a little before each (TURN_MARGIN), never after it.
 * Infinity when neither can turn without a new heartbeat.
 */
function mayTurnAt(ctx: NodeContext, seen: VoterSeen): number {
  const record = seen.record;
  if (record === undefined) return Infinity;
  const deadtime = ctx.timing.deadtime;
  let at = Infinity;
  if (seen.visible) at = before(record.heardAt + deadtime);
  const echo = ctx.peers.echoOf(seen.node, ctx.self);
  if (echo !== undefined && echo >= ctx.bootAt) {
    // Not yet: it turns when the time reaches the echo (compared as it is, no sum).
    if (!seen.hearsUs && echo > ctx.now) at = Math.min(at, echo);
    if (seen.hearsUs) at = Math.min(at, before(echo + deadtime));
  }
  return at;
}

/**
 * Far more than a sum or a difference of two times can round by (a few parts in 10^16 of their
 * size), far less than anything the core times.
 */
const TURN_MARGIN = 1e-9;

function before(time: number): number {
  return time - (Math.abs(time) + 1) * TURN_MARGIN;
}

function earliest(seen: readonly VoterSeen[]): number {
  let at = Infinity;
  for (const s of seen) if (s.mayTurnAt < at) at = s.mayTurnAt;
  return at;
}
