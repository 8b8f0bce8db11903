// Liveness after the heal (DESIGN §4): within a bounded number of heartbeats, each resource has
// exactly one holder RUNNING — by its core's own view and by the fake resource really running
// there — and every live node names that holder. A resource that every service node has latched
// ERRORED on, or that a failed stop blocks, is reported as errored rather than as a failure.
// At the end, every live node must also be back in its configured role and in a state that role
// allows (judgeRoles): a service node stuck WATCHING could never take over again.

import type { NodeView, Role } from '../core/types.js';

export interface NodeSnapshot {
  name: string;
  watchdog: boolean;
  /** The core's view, or null while the node is down. */
  view: NodeView | null;
  /** Fake resources running on this machine. */
  running: ReadonlySet<string>;
  /** Resources whose last stop failed here. */
  dirty: ReadonlySet<string>;
}

export type Verdict =
  | { kind: 'ok'; holder: string }
  | { kind: 'errored'; why: string }
  | { kind: 'failing'; why: string };

export function judgeResource(resource: string, nodes: readonly NodeSnapshot[]): Verdict {
  const states = nodes.map((n) => ({ node: n, view: n.view?.resources.find((r) => r.name === resource) }));
  const holders = states.filter((s) => !s.node.watchdog && s.view?.state === 'RUNNING').map((s) => s.node);
  const runningOn = nodes.filter((n) => n.running.has(resource)).map((n) => n.name);
  const picture = (): string =>
    states
      .map(({ node, view }) => {
        if (view === undefined) return `${node.name}: ${node.view === null ? 'down' : 'no such resource'}`;
        const fake = node.running.has(resource) ? ' (running)' : '';
        const dirty = node.dirty.has(resource) ? ' (failed stop)' : '';
        return `${node.name}: ${view.state}${fake}${dirty} holder=${view.holder || '-'} vote=${view.vote || '-'}`;
      })
      .join('; ');

  const holder = holders[0];
  if (holders.length === 1 && holder !== undefined) {
    const disagree = states.filter((s) => s.view !== undefined && s.view.holder !== holder.name);
    if (runningOn.length === 1 && runningOn[0] === holder.name && disagree.length === 0) {
      return { kind: 'ok', holder: holder.name };
    }
  }

  const service = states.filter((s) => !s.node.watchdog && s.view !== undefined);
  if (service.length > 0 && service.every((s) => s.view?.state === 'ERRORED')) {
    return { kind: 'errored', why: `every service node ERRORED: ${picture()}` };
  }
  if (states.some((s) => s.view?.state === 'ERRORED' && s.node.dirty.has(resource))) {
    return { kind: 'errored', why: `blocked by a failed stop: ${picture()}` };
  }
  const count = holders.length === 1 ? 'one RUNNING but not agreed or not really running' : `${holders.length} RUNNING`;
  return { kind: 'failing', why: `${count}: ${picture()}` };
}

/** What is wrong with the live nodes' roles, one line per node and resource; [] when nothing. */
export function judgeRoles(nodes: readonly NodeSnapshot[], configuredRole: (node: string, resource: string) => Role): string[] {
  const problems: string[] = [];
  for (const node of nodes) {
    for (const r of node.view?.resources ?? []) {
      const expected = configuredRole(node.name, r.name);
      if (r.role !== expected) problems.push(`${node.name} left in role ${r.role} for ${r.name} (configured ${expected})`);
      else if ((r.state === 'WATCHING') !== (r.role === 'watchdog')) problems.push(`${node.name} is ${r.state} for ${r.name} in role ${r.role}`);
    }
  }
  return problems;
}

/** Follows each resource through the healed phase: since when has it been settled for good? */
export class LivenessTracker {
  private readonly settledSince = new Map<string, number | null>();
  private readonly last = new Map<string, Verdict>();

  constructor(private readonly resources: readonly string[]) {}

  sample(at: number, nodes: readonly NodeSnapshot[]): void {
    for (const resource of this.resources) {
      const verdict = judgeResource(resource, nodes);
      const previous = this.last.get(resource);
      const stillSame = previous?.kind === 'ok' && verdict.kind === 'ok' && previous.holder === verdict.holder;
      if (!stillSame) this.settledSince.set(resource, verdict.kind === 'ok' ? at : null);
      this.last.set(resource, verdict);
    }
  }

  /** The latest verdict per resource and when it settled (null if it is not settled). */
  results(): { resource: string; verdict: Verdict; settledSince: number | null }[] {
    return this.resources.map((resource) => ({
      resource,
      verdict: this.last.get(resource) ?? { kind: 'failing', why: 'never sampled' },
      settledSince: this.settledSince.get(resource) ?? null,
    }));
  }
}
