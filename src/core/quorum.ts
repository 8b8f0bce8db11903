// The quorum rule, in one place (DESIGN §4.3–4.6, §4.8): who counts as a voter (etcd included),
// how many valid endorsements make a quorum (two voters included), how long an endorsement counts
// on the holder's side, and how long a voter's promise lasts on the voter's side.

import type { PeerTable } from './peers.js';
import type { ResourceReport, ResourceSpec, Timing } from './types.js';
import { reportHolds } from './arbitration.js';

/**
 * The rules a core applies that decide safety. The simulator's tests inject weakened ones to prove
 * that its checkers notice when a rule is broken; the daemon always runs STANDARD_RULES.
 */
export interface QuorumRules {
  /** Valid endorsements a node needs, among `voters` (etcd counted among them), to start or keep a resource. */
  quorumSize(voters: number, withEtcd: boolean): number;
  /** A copy found running at start-up is kept only with a quorum's endorsement (else at once). */
  foundCopyNeedsEndorsement: boolean;
  /** A voter endorses only nodes that show they hear it (hearsUs), and follows them only then. */
  endorseOnlyNodesHearingUs: boolean;
}

/** More than half of the voters. */
export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * Two voters and no watchdog: a majority would need both, so nothing could survive the loss of one.
 * FreeHA's rule applies instead (DESIGN §4.6): a node alone may hold once the other is gone, and
 * while the other is seen, both must agree (see twoVoterHoldout). Never when etcd is one of the
 * two: the rule is about a peer that heartbeats can show gone, and etcd is no such peer (one
 * service node and etcd need both, as a majority does).
 */
export function isTwoVoterCluster(voters: number, withEtcd: boolean): boolean {
  return voters === 2 && !withEtcd;
}

export function standardQuorumSize(voters: number, withEtcd = false): number {
  return isTwoVoterCluster(voters, withEtcd) ? 1 : majority(voters);
}

export const STANDARD_RULES: QuorumRules = {
  quorumSize: standardQuorumSize,
  foundCopyNeedsEndorsement: true,
  endorseOnlyNodesHearingUs: true,
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

/** The nodes that vote, and etcd as one more voter when configured (two nodes and etcd: three). */
export function voterCountOf(spec: ResourceSpec, voters: ReadonlySet<string>, withEtcd = false): number {
  return Math.max(voters.size, spec.discoverMembers?.expectedNodes ?? 0) + (withEtcd ? 1 : 0);
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

/** This node and the voters it hears (within the deadtime) that show they hear it too. */
export function bothWays(peers: PeerTable, voters: ReadonlySet<string>, self: string, now: number, bootAt: number, timing: Timing): number {
  let count = voters.has(self) ? 1 : 0;
  for (const voter of voters) {
    if (voter === self || !peers.isVisible(voter, now, timing.deadtime)) continue;
    if (hearsUs(peers, voter, self, now, bootAt, timing)) count++;
  }
  return count;
}

function echoOfUs(peers: PeerTable, node: string, self: string): number | undefined {
  return peers.echoOf(node, self);
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

/**
 * How long after finding a copy running at start-up a node may keep it without a quorum's
 * endorsement. Nobody promised the finder anything, so what keeps the others from starting is only
 * that they see it holding: they drop it `deadtime` after its last heartbeat, which may be the one
 * sent as it found the copy. So the finder begins stopping a guard before that, on the same
 * arithmetic as the endorsement window; within the endorsement window too, where the lease is the
 * shorter (a lease longer than the deadtime, as etcd's 2 s minimum makes it, would otherwise let a
 * finder cut off from everyone keep its copy after the others dropped it).
 */
export function foundCopyWindow(timing: Timing): number {
  const untilDropped = timing.deadtime * (1 - 3 * timing.maxClockDrift) - 2 * timing.guard;
  return Math.min(endorsementWindow(timing), untilDropped);
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
  /**
   * Until when (local time) etcd's endorsement of `node` counts, margins taken (etcdEndorsementEndsAt);
   * -Infinity when it does not count (no etcd, the key is not ours, the wish to own it has ended).
   */
  etcdUntil: number;
}

/** Valid endorsements of `node` right now, its own vote and etcd's included. */
export function countEndorsements(peers: PeerTable, timing: Timing, q: EndorsementQuery): number {
  let count = q.ownVote === q.node && q.voters.has(q.node) ? 1 : 0;
  for (const expiry of expiries(peers, timing, q)) if (expiry > q.now) count++;
  return count;
}

/** The earliest local time after `now` at which one of the counted endorsements expires. */
export function nextEndorsementExpiry(peers: PeerTable, timing: Timing, q: EndorsementQuery): number {
  let earliest = Infinity;
  for (const expiry of expiries(peers, timing, q)) {
    if (expiry > q.now && expiry < earliest) earliest = expiry;
  }
  return earliest;
}

/**
 * When the valid endorsements of `q.node` would fall below `quorum` if no new one arrived: the
 * moment a holder must have heard again from its voters. Infinity when its own vote is a quorum.
 */
export function quorumLapsesAt(peers: PeerTable, timing: Timing, q: EndorsementQuery, quorum: number): number {
  const own = q.ownVote === q.node && q.voters.has(q.node) ? 1 : 0;
  const needed = quorum - own;
  if (needed <= 0) return Infinity;
  const sorted = expiries(peers, timing, q).sort((a, b) => b - a);
  return sorted[needed - 1] ?? -Infinity;
}

/** When each endorsement of `q.node` that may count expires: the other voters' and etcd's. */
function expiries(peers: PeerTable, timing: Timing, q: EndorsementQuery): number[] {
  const window = endorsementWindow(timing);
  const out = validEchoes(peers, q).map((echo) => echo + window);
  if (q.etcdUntil > -Infinity) out.push(q.etcdUntil);
  return out;
}

// ---------------------------------------------------------------------------------------------
// etcd's endorsement (DESIGN §4.8): etcd endorses the owner of the resource's key, and only that
// node can know it owns it, so it counts for this node alone and never travels in heartbeats.

/**
 * etcd's default minimum TTL (its election timeout's, 1 s by default, rounded up and doubled): a
 * grant of less is raised to it, and a holder counting on less would count longer than etcd keeps
 * the key. The configuration requires `lease` at least this with an `etcd` section.
 */
export const ETCD_MIN_TTL_MS = 2000;

/** The etcd lease's TTL: the cluster's `lease`, rounded up to whole seconds (etcd counts in seconds). */
export function etcdTtlMs(lease: number): number {
  return Math.ceil(lease / 1000) * 1000;
}

/**
 * How long after the send time of the last successful lease grant or keepalive etcd's endorsement
 * counts here. etcd keeps the lease at least the TTL after it received the request, on its own
 * clock (a leader change only makes it longer); this side shortens that as endorsementWindow does
 * a voter's promise: for clock rates differing by up to `maxClockDrift` each way, then by two
 * guards (the old owner begins stopping a guard before another can own the key; a pause shorter
 * than the guard).
 */
export function etcdWindow(timing: Timing, ttlMs: number): number {
  return ttlMs * (1 - 3 * timing.maxClockDrift) - 2 * timing.guard;
}

/**
 * The shell reports `countsUntil` = send time + TTL - guard (the interface with the shell); the
 * send time and the end of etcdWindow follow from it.
 */
export function etcdSendTimeOf(countsUntil: number, timing: Timing, ttlMs: number): number {
  return countsUntil - (ttlMs - timing.guard);
}

export function etcdEndorsementEndsAt(countsUntil: number, timing: Timing, ttlMs: number): number {
  return etcdSendTimeOf(countsUntil, timing, ttlMs) + etcdWindow(timing, ttlMs);
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
