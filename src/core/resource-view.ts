// How one node describes its peers' part in a resource, for the state file and `hastmonctl status`.

import type { NodeContext } from './context.js';
import type { PeerView, ResourceSpec } from './types.js';

export function describePeers(ctx: NodeContext, spec: ResourceSpec, voters: ReadonlySet<string>): PeerView[] {
  const out: PeerView[] = [];
  for (const node of voters) {
    if (node === ctx.self) continue;
    const peer = ctx.peers.get(node);
    const report = ctx.peers.report(node, spec.name);
    if (peer === undefined || report === undefined) {
      // Only a configured member can be a voter not heard yet (freehad voters are the nodes heard).
      const configured = spec.members.find((m) => m.node === node);
      if (configured === undefined) throw new Error(`${spec.name}: voter ${node} is neither configured nor heard`);
      out.push({
        node,
        state: 'UNKNOWN',
        role: configured.roleOnStart,
        priority: configured.priority,
        heardAgo: peer === undefined ? null : ctx.now - peer.heardAt,
        vote: '',
        offline: false,
      });
      continue;
    }
    const visible = ctx.peers.isVisible(node, ctx.now, ctx.timing.deadtime);
    out.push({
      node,
      state: visible ? report.state : 'TIMEDOUT',
      role: report.role,
      priority: report.priority,
      heardAgo: ctx.now - peer.heardAt,
      vote: report.vote,
      offline: visible && report.offline,
    });
  }
  return out;
}
