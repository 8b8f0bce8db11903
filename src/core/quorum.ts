// The quorum rule, in one place (DESIGN §4.3–4.6): who counts as a voter, how many valid
// endorsements make a quorum (two voters included), how long an endorsement counts on the holder's
// side, and how long a voter's promise lasts on the voter's side.

import type { PeerTable } from './peers.js';
import type { ResourceReport, ResourceSpec, Timing } from './types.js';
import { reportHolds } from './arbitration.js';

/**
 * The rules a core applies that decide safety. The simulator's tests inject weakened ones to prove
 * that its checkers notice when a rule is broken; the daemon always runs STANDARD_RULES.
 */
export interface QuorumRules {
  /** Valid endorsements a node needs, among `voters`, to start or keep a resource. */
  quorumSize(voters: number): number;
  /** A copy found running at start-up is kept only with a quorum's endorsement (else at once). */
  foundCopyNeedsEndorsement: boolean;
}

/** More than half of the voters. */
export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * Two voters and no watchdog: a majority would need both, so nothing could survive the loss of one.
 * FreeHA's rule applies instead (DESIGN §4.6): a node alone may hold once the other is gone, and
 * while the other is seen, both must agree (see twoVoterHoldout).
 */
export function isTwoVoterCluster(voters: number): boolean {
  return voters === 2;
}

export function standardQuorumSize(voters: number): number {
  return isTwoVoterCluster(voters) ? 1 : majority(voters);
}

export const STANDARD_RULES: QuorumRules = {
  quorumSize: standardQuorumSize,
  foundCopyNeedsEndorsement: true,
};

/**
 * Who votes on a resource: every node named for it; in freehad mode (no configuration file) every
 * node heard reporting it, and never fewer than `-n` (so that a lone node cannot make a quorum).
 */
export function votersOf(spec: ResourceSpec, self: string, peers: PeerTable): Set<string> {
  if (spec.discoverMembers === undefined) return new Set(spec.members.map((m) => m.node));
  const heard = peers.names().filter((n) => n !== self && peers.report(n, spec.name) !== undefined);
  return new Set([self, ...heard]);
}

export function voterCountOf(spec: ResourceSpec, voters: ReadonlySet<string>): number {
  return Math.max(voters.size, spec.discoverMembers?.expectedNodes ?? 0);
}

// ---------------------------------------------------------------------------------------------
// The voter's side: a promise.

/**
 * A voter endorses nobody else for `lease` after it last heard the node it endorses (DESIGN §4.3).
 * A restarted voter has forgotten the promises of its previous incarnation: it votes only from one
 * lease after its start, so that those promises are kept anyway.
 */
export function promiseEndsAt(lastHeardAt: number, timing: Timing): number {
  return lastHeardAt + timing.lease;
}

export function promiseExpired(lastHeardAt: number, now: number, timing: Timing): boolean {
  return now - lastHeardAt >= timing.lease;
}

/**
 * A node shows that it hears this one when its newest heartbeat echoes one of ours sent within the
 * deadtime (the echo carries our own send time, on our own clock, so no clocks are compared). A
 * voter endorses only nodes that hear it: one that cannot receive could never count the
 * endorsement, and endorsing it anyway would keep the others from electing someone who can.
 */
export function hearsUs(peers: PeerTable, node: string, self: string, now: number, bootAt: number, timing: Timing): boolean {
  const sentAt = echoOfUs(peers, node, self);
  return sentAt !== undefined && sentAt >= bootAt && sentAt <= now && now - sentAt < timing.deadtime;
}

/** When `node` stops showing that it hears us, if nothing more of ours reaches it. */
export function hearsUsUntil(peers: PeerTable, node: string, self: string, bootAt: number, timing: Timing): number {
  const sentAt = echoOfUs(peers, node, self);
  return sentAt === undefined || sentAt < bootAt ? -Infinity : sentAt + timing.deadtime;
}

function echoOfUs(peers: PeerTable, node: string, self: string): number | undefined {
  return peers.get(node)?.heartbeat.echoes.find((e) => e.node === self)?.sentAt;
}

export function votingFrom(bootAt: number, timing: Timing): number {
  return bootAt + timing.lease;
}

/**
 * A node's endorsement of itself ends when its own report shows it neither holds the resource
 * nor votes for itself: then it will not start on endorsements given before (see `since` in
 * countEndorsements), so its voters are free at once. A peer still probing at start-up
 * (INITIAL, service role) has not said yet whether the resource runs there, so it frees nobody.
 */
export function releasesVoters(node: string, report: ResourceReport, leaving: boolean): boolean {
  if (reportHolds(report)) return false;
  if (leaving) return true;
  if (report.state === 'INITIAL' && (report.role === 'primary' || report.role === 'secondary')) return false;
  return report.vote !== node;
}

// ---------------------------------------------------------------------------------------------
// The holder's side: how long an endorsement counts.

/**
 * How long after its echoed send time a holder may count an endorsement. The voter's promise lasts
 * `lease` from when it heard that heartbeat, on its own clock; this side shortens it for clock rates
 * differing by up to `maxClockDrift` each way, then by two guards: one so the old holder begins
 * stopping at least a guard before anyone starts, one to absorb a pause shorter than the guard.
 */
export function endorsementWindow(timing: Timing): number {
  return timing.lease * (1 - 3 * timing.maxClockDrift) - 2 * timing.guard;
}

/** The lease that gives an endorsement window of `window` at the given guard fraction and drift. */
export function leaseForWindow(window: number, guardFractionOfLease: number, maxClockDrift: number): number {
  return window / (1 - 3 * maxClockDrift - 2 * guardFractionOfLease);
}

export interface EndorsementQuery {
  resource: string;
  /** The node whose endorsements are counted (this node). */
  node: string;
  /** This node's own vote for the resource. */
  ownVote: string;
  voters: ReadonlySet<string>;
  /**
   * Only endorsements echoing a send time at or after this count: for a start, the moment this
   * node voted for itself (older ones were given to an earlier candidacy); for a holder, its boot.
   */
  since: number;
  now: number;
}

/** Valid endorsements of `node` right now, its own vote included. */
export function countEndorsements(peers: PeerTable, timing: Timing, q: EndorsementQuery): number {
  const window = endorsementWindow(timing);
  let count = q.ownVote === q.node && q.voters.has(q.node) ? 1 : 0;
  for (const echo of validEchoes(peers, q)) if (echo + window > q.now) count++;
  return count;
}

/** The earliest local time after `now` at which one of the counted endorsements expires. */
export function nextEndorsementExpiry(peers: PeerTable, timing: Timing, q: EndorsementQuery): number {
  const window = endorsementWindow(timing);
  let earliest = Infinity;
  for (const echo of validEchoes(peers, q)) {
    const expiry = echo + window;
    if (expiry > q.now && expiry < earliest) earliest = expiry;
  }
  return earliest;
}

/** The echoed send times of the other voters' endorsements of `q.node` that may count. */
function validEchoes(peers: PeerTable, q: EndorsementQuery): number[] {
  const out: number[] = [];
  for (const voter of q.voters) {
    if (voter === q.node) continue;
    const report = peers.report(voter, q.resource);
    if (report === undefined || report.vote !== q.node) continue;
    if (report.voteEcho < q.since || report.voteEcho > q.now) continue;
    out.push(report.voteEcho);
  }
  return out;
}

/**
 * With two voters a node may start on its own vote, but only once the other is gone: while the
 * other is seen, it must endorse this candidacy too. Returns the peer still holding out, if any.
 */
export function twoVoterHoldout(
  visiblePeers: ReadonlyArray<{ node: string; report: ResourceReport }>,
  self: string,
  selfVoteSince: number,
): string | undefined {
  return visiblePeers.find((p) => p.report.vote !== self || p.report.voteEcho < selfVoteSince)?.node;
}
