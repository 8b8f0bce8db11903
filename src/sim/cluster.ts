// The simulated cluster's configuration: drawn from the seed (node names, priorities, and the
// CoreConfig every node runs with, the same for all but the node's own name, as in hastmon.conf),
// or given whole, one CoreConfig per node, as the daemons of a real cluster would resolve theirs.

import { DEFAULT_PRIORITY } from '../config/defaults.js';
import { DEFAULT_TIMING } from '../config/timing.js';
import { quickResourceSpec } from '../testing/fixtures.js';
import type { Prng } from './prng.js';
import type { CoreConfig, EtcdVoterSpec, MemberSpec, ResourceSpec, Timing } from '../core/types.js';

export interface ClusterShape {
  /** Service nodes: may run the resources. */
  nodes: number;
  /** Watchdogs: vote, never run anything. */
  watchdogs: number;
  resources: number;
}

export interface SimNodeSpec {
  name: string;
  watchdog: boolean;
}

export interface ClusterPlan {
  nodes: SimNodeSpec[];
  /** The resources with their members, as every node sees them (names, voters, roles). */
  resources: ResourceSpec[];
  timing: Timing;
  /** etcd as one more voter of every resource, or null. */
  etcd: EtcdVoterSpec | null;
  /** A given cluster: each node's own CoreConfig, by name. Drawn clusters derive them from `resources`. */
  configs?: ReadonlyMap<string, CoreConfig>;
}

export function planCluster(shape: ClusterShape, rng: Prng, timing: Timing = DEFAULT_TIMING, etcd: EtcdVoterSpec | null = null): ClusterPlan {
  if (shape.nodes < 1 || shape.watchdogs < 0 || shape.resources < 1) {
    throw new Error(`a cluster needs a service node and a resource: ${JSON.stringify(shape)}`);
  }
  // The order of preference ignores case, so sometimes mix it to prove that.
  const mixCase = rng.chance(0.3);
  const name = (prefix: string, i: number): string =>
    `${mixCase && rng.chance(0.5) ? prefix.toUpperCase() : prefix}${i}`;
  const nodes: SimNodeSpec[] = [];
  for (let i = 1; i <= shape.nodes; i++) nodes.push({ name: name('n', i), watchdog: false });
  for (let i = 1; i <= shape.watchdogs; i++) nodes.push({ name: name('w', i), watchdog: true });

  const resources: ResourceSpec[] = [];
  for (let r = 1; r <= shape.resources; r++) {
    const priorities = drawPriorities(shape.nodes, rng);
    const members: MemberSpec[] = nodes.map((node, i) =>
      node.watchdog
        ? { node: node.name, priority: DEFAULT_PRIORITY, roleOnStart: 'watchdog' }
        : { node: node.name, priority: priorities[i] as number, roleOnStart: 'secondary' },
    );
    resources.push(quickResourceSpec(`r${r}`, members));
  }
  return { nodes, resources, timing, etcd };
}

/** Equal (the name decides), distinct, or a mix with ties. */
function drawPriorities(count: number, rng: Prng): number[] {
  const mode = rng.pick(['equal', 'distinct', 'ties'] as const);
  if (mode === 'equal') return Array.from({ length: count }, () => DEFAULT_PRIORITY);
  if (mode === 'distinct') return rng.shuffle(Array.from({ length: count }, (_, i) => 10 * (i + 1)));
  return Array.from({ length: count }, () => rng.pick([10, 20]));
}

/**
 * A cluster given as each node's CoreConfig (a configuration file resolved for every node it
 * names). A node is a watchdog when it is one in every resource it belongs to; the cluster's
 * timing is the first node's (the file sets it once for all; only shutdown_grace may differ).
 */
export function givenCluster(configs: readonly CoreConfig[]): ClusterPlan {
  const first = configs[0];
  if (first === undefined) throw new Error('a cluster needs a node');
  const byName = new Map(configs.map((c) => [c.node, c]));
  if (byName.size !== configs.length) throw new Error(`a node is given twice: ${configs.map((c) => c.node).join(', ')}`);
  const nodes = configs.map((config): SimNodeSpec => {
    const roles = config.resources.map((r) => r.members.find((m) => m.node.toLowerCase() === config.node.toLowerCase())?.roleOnStart);
    return { name: config.node, watchdog: roles.length > 0 && roles.every((role) => role === 'watchdog') };
  });
  return { nodes, resources: structuredClone(first.resources), timing: { ...first.timing }, etcd: first.etcd, configs: byName };
}

/** Each node gets its own copy, as each daemon parses its own file. */
export function coreConfigFor(plan: ClusterPlan, node: string): CoreConfig {
  const given = plan.configs?.get(node);
  if (given !== undefined) return structuredClone(given);
  return structuredClone({ node, timing: plan.timing, resources: plan.resources, forceStart: false, etcd: plan.etcd });
}
