// Arbitration: who holds, who may be elected, and how many valid endorsements a node has
// (DESIGN §4.3–4.5). Pure functions over the node table.

import type { Contender } from './election.js';
import type { PeerTable } from './peers.js';
import type { ResourceReport, ResourceState, Role, Timing } from './types.js';

/** A node in one of these states may be running the resource: nobody else may start it. */
export function isHolding(state: ResourceState, dirty: boolean): boolean {
  return state === 'STARTING' || state === 'RUNNING' || state === 'STOPPING' || (state === 'ERRORED' && dirty);
}

/** HASTMON's word for a node's role: the holder is primary, whatever role it was given. */
export function shownRole(role: Role, holding: boolean): Role {
  return holding && (role === 'primary' || role === 'secondary') ? 'primary' : role;
}

export function reportHolds(report: ResourceReport): boolean {
  return isHolding(report.state, report.dirty);
}

export function contenderOf(node: string, report: ResourceReport): Contender {
  return {
    node,
    priority: report.priority,
    primary: report.role === 'primary',
    yielding: report.yielding,
    forced: report.forced,
  };
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

/**
 * How long after its echoed send time a holder may count an endorsement. The voter's promise lasts
 * `lease` from when it heard that heartbeat, on its own clock; this side shortens it for clock rates
 * differing by up to `maxClockDrift` each way, then by two guards: one so the old holder begins
 * stopping at least a guard before anyone starts, one to absorb a pause shorter than the guard.
 */
export function endorsementWindow(timing: Timing): number {
  return timing.lease * (1 - 3 * timing.maxClockDrift) - 2 * timing.guard;
}

export interface EndorsementQuery {
  resource: string;
  /** The node whose endorsements are counted (this node). */
  node: string;
  /** This node's own vote for the resource. */
  ownVote: string;
  voters: ReadonlySet<string>;
  /** Only endorsements echoing a send time at or after this count (see election in resource.ts). */
  since: number;
  now: number;
}

/** Valid endorsements of `node` right now, its own vote included. */
export function countEndorsements(peers: PeerTable, timing: Timing, q: EndorsementQuery): number {
  const window = endorsementWindow(timing);
  let count = q.ownVote === q.node && q.voters.has(q.node) ? 1 : 0;
  for (const voter of q.voters) {
    if (voter === q.node) continue;
    const report = peers.report(voter, q.resource);
    if (report === undefined || report.vote !== q.node) continue;
    if (report.voteEcho < q.since || report.voteEcho > q.now) continue;
    if (report.voteEcho + window > q.now) count++;
  }
  return count;
}

/** The earliest local time after `now` at which one of the counted endorsements expires. */
export function nextEndorsementExpiry(peers: PeerTable, timing: Timing, q: EndorsementQuery): number {
  const window = endorsementWindow(timing);
  let earliest = Infinity;
  for (const voter of q.voters) {
    if (voter === q.node) continue;
    const report = peers.report(voter, q.resource);
    if (report === undefined || report.vote !== q.node) continue;
    if (report.voteEcho < q.since || report.voteEcho > q.now) continue;
    const expiry = report.voteEcho + window;
    if (expiry > q.now && expiry < earliest) earliest = expiry;
  }
  return earliest;
}
