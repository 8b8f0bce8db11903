// Why the holder of a resource changed, as one node sees it: the words of `hastmonctl events`.
// Pure: it reads only the peer table and the time the core passes in.

import { reportHolds } from './arbitration.js';
import type { NodeContext } from './context.js';

/**
 * Why `from` is no longer the holder and `to` is now ('' for none on either side). `self` says
 * what this node does when it is one of them (e.g. 'this node is starting it').
 */
export function explainHolderChange(ctx: NodeContext, resource: string, from: string, to: string, self: { holds: boolean; doing: string }): string {
  if (to === '') return whyNoLonger(ctx, resource, from, self);
  const gained = whyHolder(ctx, resource, to, self);
  if (from === '') return gained;
  return stillHolds(ctx, resource, from, self) ? `${gained}, preferred to ${from}` : `${whyNoLonger(ctx, resource, from, self)}; ${gained}`;
}

function whyHolder(ctx: NodeContext, resource: string, node: string, self: { doing: string }): string {
  if (node === ctx.self) return self.doing;
  const state = ctx.peers.report(node, resource)?.state;
  return state === undefined ? `${node} holds it` : `${node} reports ${state}`;
}

function whyNoLonger(ctx: NodeContext, resource: string, node: string, self: { doing: string }): string {
  if (node === ctx.self) return self.doing;
  const peer = ctx.peers.get(node);
  if (peer === undefined) return `${node} is unknown`;
  if (peer.heartbeat.leaving) return `${node} left (its hastmon shut down)`;
  if (!ctx.peers.isVisible(node, ctx.now, ctx.timing.deadtime)) return `${node} not heard for ${Math.round(ctx.now - peer.heardAt)} ms (TIMEDOUT)`;
  const report = ctx.peers.report(node, resource);
  if (report === undefined) return `${node} no longer reports it`;
  if (report.state === 'INITIAL') return `${node} restarted (INITIAL)`;
  return `${node} released it (now ${report.state})`;
}

function stillHolds(ctx: NodeContext, resource: string, node: string, self: { holds: boolean }): boolean {
  if (node === ctx.self) return self.holds;
  const report = ctx.peers.report(node, resource);
  return report !== undefined && ctx.peers.isVisible(node, ctx.now, ctx.timing.deadtime) && reportHolds(report);
}
