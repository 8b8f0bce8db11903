// What a resource tells the operator and its exec script besides its state: peers connecting and
// disconnecting, complaints, and HASTMON's shown role (DESIGN §5: role, connect, disconnect, complain).

import type { NodeContext } from './context.js';
import type { ScriptSlot } from './script-slot.js';

export class ResourceNotices {
  private complaintTimes: number[] = [];
  private visibleMembers = new Set<string>();
  private lastShownRole: string;

  constructor(
    private readonly resource: string,
    private readonly slot: ScriptSlot,
    shownRole: string,
  ) {
    this.lastShownRole = shownRole;
  }

  /** Complaints heard within the complaint interval. */
  get complaints(): number {
    return this.complaintTimes.length;
  }

  /** A voter gave up on another node and now asks this one to take over (HASTMON's complaint). */
  complaint(ctx: NodeContext, from: string, notify: boolean): void {
    this.complaintTimes.push(ctx.now);
    ctx.log('info', `${this.resource}: complaint from ${from}`);
    if (notify) this.slot.notify(['complain', from]);
  }

  pruneComplaints(ctx: NodeContext, interval: number): void {
    const from = ctx.now - interval;
    if (this.complaintTimes.every((t) => t > from)) return;
    this.complaintTimes = this.complaintTimes.filter((t) => t > from);
  }

  visibility(ctx: NodeContext, visibleNodes: readonly string[], notify: boolean): void {
    // The same nodes in the same order: nothing to say, and the set kept is already this one.
    if (sameOrder(visibleNodes, this.visibleMembers)) return;
    const visible = new Set(visibleNodes);
    for (const node of visible) {
      if (!this.visibleMembers.has(node)) {
        ctx.log('info', `${this.resource}: ${node} connected`);
        if (notify) this.slot.notify(['connect', node]);
      }
    }
    for (const node of this.visibleMembers) {
      if (!visible.has(node)) {
        ctx.log('warning', `${this.resource}: ${node} disconnected (not heard for ${ctx.timing.deadtime} ms)`);
        if (notify) this.slot.notify(['disconnect', node]);
      }
    }
    if (visible.size !== this.visibleMembers.size || [...visible].some((n) => !this.visibleMembers.has(n))) {
      ctx.emit({ kind: 'state-changed' });
    }
    this.visibleMembers = visible;
  }

  shownRole(ctx: NodeContext, shown: string, notify: boolean): void {
    if (shown === this.lastShownRole) return;
    if (notify) this.slot.notify(['role', this.lastShownRole, shown]);
    this.lastShownRole = shown;
    ctx.emit({ kind: 'state-changed' });
  }
}

function sameOrder(nodes: readonly string[], set: ReadonlySet<string>): boolean {
  if (nodes.length !== set.size) return false;
  let i = 0;
  for (const node of set) if (nodes[i++] !== node) return false;
  return true;
}
