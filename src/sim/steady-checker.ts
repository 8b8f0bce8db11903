// Liveness during a fault (DESIGN §4): while the network stays cut (one way or both) and nothing
// else goes wrong, every resource for which a quorum of voters hear each other in both
// directions, a service node among them, runs — on a node that hears a quorum both ways —
// whatever the rest of the network does (a deaf or mute holder, one-way cuts). Checked from a stated bound after the chaos
// ended until the heal; a resource every service node there latched ERRORED, or that a failed
// stop blocks, is excused as after the heal.

import type { NodeSnapshot } from './liveness-checker.js';

export interface SteadyGroupQuery {
  /** The resource's voters, by name. */
  voters: readonly string[];
  /** Voters whose hastmon runs now (not down, not paused). */
  up: ReadonlySet<string>;
  /** Whether datagrams from `from` reach `to`. */
  reaches: (from: string, to: string) => boolean;
  quorum: number;
  isService: (node: string) => boolean;
}

/** Every set of up voters, a quorum or more, hearing each other both ways, with a service node. */
export function quorateGroups(q: SteadyGroupQuery): string[][] {
  const candidates = q.voters.filter((v) => q.up.has(v));
  const groups: string[][] = [];
  const subsets = 1 << candidates.length;
  for (let mask = 1; mask < subsets; mask++) {
    const group = candidates.filter((_, i) => (mask & (1 << i)) !== 0);
    if (group.length < q.quorum || !group.some(q.isService)) continue;
    const connected = group.every((a) => group.every((b) => a === b || (q.reaches(a, b) && q.reaches(b, a))));
    if (connected) groups.push(group);
  }
  return groups;
}

export type SteadyVerdict = { kind: 'ok' } | { kind: 'excused'; why: string } | { kind: 'failing'; why: string };

/**
 * Whether `holder` hears a quorum both ways (itself included): then it may keep the resource, and
 * the voters it shares with a quorate group rightly stay with it.
 */
export function holdsWithQuorum(holder: string, q: SteadyGroupQuery): boolean {
  const partners = q.voters.filter((v) => v !== holder && q.up.has(v) && q.reaches(v, holder) && q.reaches(holder, v));
  return q.up.has(holder) && partners.length + 1 >= q.quorum;
}

export function judgeSteady(resource: string, nodes: readonly NodeSnapshot[], q: SteadyGroupQuery): SteadyVerdict {
  const groups = quorateGroups(q);
  if (groups.length === 0) return { kind: 'ok' };
  const inGroups = new Set(groups.flat());
  const stateOf = (n: NodeSnapshot): string | undefined => n.view?.resources.find((r) => r.name === resource)?.state;
  const holders = nodes.filter((n) => !n.watchdog && stateOf(n) === 'RUNNING' && n.running.has(resource) && holdsWithQuorum(n.name, q));
  if (holders.length > 0) return { kind: 'ok' };
  const picture = nodes
    .map((n) => `${n.name}: ${n.view === null ? 'down' : (stateOf(n) ?? '?')}${n.running.has(resource) ? ' (running)' : ''}${n.dirty.has(resource) ? ' (failed stop)' : ''}`)
    .join('; ');
  if (nodes.some((n) => stateOf(n) === 'ERRORED' && n.dirty.has(resource))) return { kind: 'excused', why: `blocked by a failed stop: ${picture}` };
  const service = nodes.filter((n) => inGroups.has(n.name) && !n.watchdog);
  if (service.length > 0 && service.every((n) => stateOf(n) === 'ERRORED')) return { kind: 'excused', why: `every service node there ERRORED: ${picture}` };
  const shown = groups.map((g) => `{${g.join(',')}}`).join(' ');
  return { kind: 'failing', why: `not running in a quorum that hears itself (${shown}): ${picture}` };
}
