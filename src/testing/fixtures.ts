// Configurations shared by the scenario harness, the transcripts and the simulator. Timing is
// hastmon's own default (DEFAULT_TIMING); resources get settings that make failures show within
// seconds.

import { DEFAULT_PRIORITY } from '../config/defaults.js';
import { DEFAULT_TIMING } from '../config/timing.js';
import type { CoreConfig, MemberSpec, ResourceSpec, Timing } from '../core/types.js';

/** A resource with 3 attempts, a monitor every second, 2 failures in a row, a 3 s script timeout. */
export function quickResourceSpec(name: string, members: MemberSpec[], overrides: Partial<ResourceSpec> = {}): ResourceSpec {
  return {
    name,
    members,
    attempts: 3,
    monitorInterval: 1000,
    monitorFall: 2,
    scriptTimeout: 3000,
    failback: 'manual',
    fence: false,
    alert: false,
    notify: false,
    complaintCount: 3,
    complaintInterval: 60_000,
    ...overrides,
  };
}

/** Every member's configuration, alike but for the node's own name, as in one hastmon.conf. */
export function clusterConfigs(members: MemberSpec[], resources: ResourceSpec[], timing: Timing = DEFAULT_TIMING): CoreConfig[] {
  return members.map((m) => structuredClone({ node: m.node, timing, resources, forceStart: false }));
}

/** HASTMON's README cluster: two service nodes and a watchdog. */
export const README_MEMBERS: readonly MemberSpec[] = [
  { node: 'lolek', priority: 0, roleOnStart: 'secondary' },
  { node: 'bolek', priority: 1, roleOnStart: 'secondary' },
  { node: 'reksio', priority: DEFAULT_PRIORITY, roleOnStart: 'watchdog' },
];

/** The README cluster with one resource, `daemon`. */
export function threeNodeConfigs(extra: Partial<ResourceSpec> = {}, timing: Timing = DEFAULT_TIMING): CoreConfig[] {
  const members = README_MEMBERS.map((m) => ({ ...m }));
  return clusterConfigs(members, [quickResourceSpec('daemon', members, extra)], timing);
}
