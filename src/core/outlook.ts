// What one node sees of the others' part in a resource: pure functions over the reports of the
// voters it hears, for the election (vote.ts), the lifecycle (resource.ts) and the views.

import { contenderOf, reportHolds } from './arbitration.js';
import type { NodeContext } from './context.js';
import { comparePreference, type Contender } from './election.js';
import type { Failback, ResourceReport, Role } from './types.js';

export interface PeerReport {
  node: string;
  report: ResourceReport;
}

/** The other voters heard within the deadtime, with what they last said of the resource. */
export function visiblePeerReports(ctx: NodeContext, resource: string, voters: ReadonlySet<string>): PeerReport[] {
  const out: PeerReport[] = [];
  for (const node of voters) {
    if (node === ctx.self || !ctx.peers.isVisible(node, ctx.now, ctx.timing.deadtime)) continue;
    const report = ctx.peers.report(node, resource);
    if (report !== undefined) out.push({ node, report });
  }
  return out;
}

/**
 * Peers that hold the resource. One that is stopping is on its way out: it is still endorsed
 * while it is the only holder, but never preferred to one that is starting or running.
 */
export function peerHolders(peers: readonly PeerReport[]): Contender[] {
  return peers
    .filter((p) => reportHolds(p.report))
    .map((p) => ({ ...contenderOf(p.node, p.report), yielding: p.report.yielding || p.report.state === 'STOPPING' }));
}

/** Peers that may be elected now. */
export function peerCandidates(peers: readonly PeerReport[]): Contender[] {
  return peers.filter((p) => p.report.eligible && p.report.state === 'STANDBY').map((p) => contenderOf(p.node, p.report));
}

/** Service nodes heard that have not finished their start-up probe yet. */
export function peersStartingUp(peers: readonly PeerReport[]): Contender[] {
  return peers
    .filter((p) => p.report.state === 'INITIAL' && (p.report.role === 'primary' || p.report.role === 'secondary'))
    .map((p) => contenderOf(p.node, p.report));
}

/** A peer starting or running the resource that is preferred to `me` (a second holder). */
export function preferredHolder(peers: readonly PeerReport[], me: Contender): PeerReport | undefined {
  return peers.find(
    (p) => reportHolds(p.report) && p.report.state !== 'STOPPING' && comparePreference(contenderOf(p.node, p.report), me) < 0,
  );
}

/**
 * A standby preferred to `me` that should take the resource over: with `failback auto` any
 * preferred one, otherwise one given role primary while this node is not.
 */
export function handOverTaker(peers: readonly PeerReport[], me: Contender, failback: Failback, myRole: Role): PeerReport | undefined {
  return peers.find(
    (p) =>
      p.report.eligible &&
      p.report.state === 'STANDBY' &&
      !p.report.yielding &&
      comparePreference(contenderOf(p.node, p.report), me) < 0 &&
      (failback === 'auto' || (p.report.role === 'primary' && myRole !== 'primary')),
  );
}
