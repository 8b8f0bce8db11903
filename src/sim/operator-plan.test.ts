import { describe, expect, it } from 'vitest';
import { planCluster } from './cluster.js';
import { planFaults, type FaultPlan } from './faults.js';
import { HEAL_MARGIN, planOperator, type OperatorPlan } from './operator-plan.js';
import { Prng } from './prng.js';
import type { Role } from '../core/types.js';

function plans(seed: number, options = { commands: true, foundRunning: true }) {
  const rng = new Prng(seed);
  const cluster = planCluster({ nodes: 3, watchdogs: 2, resources: 3 }, rng.fork());
  const faults = planFaults(cluster, { longPauses: true, stopFailures: false, steadyAtLeast: 5000 }, rng.fork());
  return { cluster, faults, operator: planOperator(cluster, faults, options, rng.fork()) };
}

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

/** Each node's role per resource after every role command of the plan, in order. */
function finalRoles(operator: OperatorPlan, resources: string[], nodes: number, start: (node: number) => Role): Role[][] {
  const roles = Array.from({ length: nodes }, (_, node) => resources.map(() => start(node)));
  for (const { node, command } of operator.commands) {
    if (command.type !== 'role') continue;
    resources.forEach((r, i) => {
      if (command.resources === 'all' || command.resources.includes(r)) (roles[node] as Role[])[i] = command.role;
    });
  }
  return roles;
}

/** The latest real time a command given at `at` can be read: a pause covering it delays it. */
function readBy(faults: FaultPlan, node: number, at: number): number {
  let latest = at;
  for (const p of faults.pauses) if (p.node === node && p.at <= at && at < p.at + p.duration) latest = Math.max(latest, Math.min(p.at + p.duration, faults.calmAt));
  return latest;
}

describe('planOperator', () => {
  it('gives every kind of command but force-start, only in the fault phase, in time order', () => {
    const kinds = new Set<string>();
    for (const seed of SEEDS) {
      const { faults, operator } = plans(seed);
      for (const c of operator.commands) {
        kinds.add(c.command.type === 'role' ? `role ${c.command.role}` : c.command.type);
        expect(c.at).toBeGreaterThanOrEqual(faults.faultsFrom);
        expect(c.at).toBeLessThan(faults.calmAt);
      }
      expect(operator.commands.map((c) => c.at)).toEqual([...operator.commands.map((c) => c.at)].sort((a, b) => a - b));
    }
    expect([...kinds].sort()).toEqual(['clear', 'hup', 'offline', 'role init', 'role primary', 'role secondary', 'role watchdog', 'term']);
  });

  it('leaves every node in its configured role, back well before the heal', () => {
    for (const seed of SEEDS) {
      const { cluster, faults, operator } = plans(seed);
      const resources = cluster.resources.map((r) => r.name);
      const configured = (node: number): Role => (cluster.nodes[node]?.watchdog === true ? 'watchdog' : 'secondary');
      expect(finalRoles(operator, resources, cluster.nodes.length, configured)).toEqual(
        cluster.nodes.map((_, node) => resources.map(() => configured(node))),
      );
      for (const c of operator.commands) if (c.command.type === 'role') expect(c.at).toBeLessThan(faults.calmAt - HEAL_MARGIN);
    }
  });

  it('ends every offline period before the heal, even when a pause delays the command, on a clock 1% slow', () => {
    let offline = 0;
    for (const seed of SEEDS) {
      const { faults, operator } = plans(seed);
      for (const c of operator.commands) {
        if (c.command.type !== 'offline') continue;
        offline++;
        const seconds = c.command.seconds ?? Infinity;
        expect(seconds).toBeGreaterThanOrEqual(1);
        expect(readBy(faults, c.node, c.at) + (seconds * 1000) / 0.99).toBeLessThan(faults.calmAt);
      }
    }
    expect(offline).toBeGreaterThan(50);
  });

  it('says how long a terminated node stays down, and finds services only on service nodes', () => {
    let found = 0;
    for (const seed of SEEDS) {
      const { cluster, faults, operator } = plans(seed);
      for (const c of operator.commands) {
        if (c.command.type === 'term') expect(c.downFor).toBeGreaterThan(0);
        else expect(c.downFor).toBeUndefined();
      }
      expect(operator.foundAtRestart).toHaveLength(faults.crashes.length);
      const onWatchdogs = [
        ...operator.foundAtBoot.filter((_, node) => cluster.nodes[node]?.watchdog === true),
        ...operator.foundAtRestart.filter((_, i) => cluster.nodes[faults.crashes[i]?.node ?? -1]?.watchdog === true),
      ];
      expect(onWatchdogs.flat()).toEqual([]);
      found += operator.foundAtBoot.flat().length + operator.foundAtRestart.flat().length;
    }
    expect(found).toBeGreaterThan(100);
  });

  it('can be turned off, part by part, and replays per seed', () => {
    const none = plans(7, { commands: false, foundRunning: false }).operator;
    expect(none.commands).toEqual([]);
    expect([...none.foundAtBoot, ...none.foundAtRestart].flat()).toEqual([]);
    expect(plans(7).operator).toEqual(plans(7).operator);
    expect(plans(7).operator).not.toEqual(plans(8).operator);
  });
});
