// Arbitration: who holds a resource and what a report says of its sender (DESIGN §4). How many
// endorsements count is the quorum rule's business (quorum.ts).

import type { Contender } from './election.js';
import type { ResourceReport, ResourceState, Role } from './types.js';

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
