// What the operator and the machines' boot scripts do during a run, drawn from the seed: commands
// given to random nodes at random times in the fault phase (hup, offline, role and back, clear,
// term and a restart later), and services found already running when a machine boots (enabled at
// boot outside hastmon).
//
// Nothing here may leave the cluster unable to settle once chaos ends: every role change is undone
// before the calm, every offline period ends before it, and a terminated node comes back.
// USR1 (force-start) is never given: a forced start is exempt from the safety property.

import type { ClusterPlan } from './cluster.js';
import { exponential, type FaultPlan } from './faults.js';
import type { Prng } from './prng.js';
import type { Command, Role } from '../core/types.js';

export interface PlannedCommand {
  at: number;
  node: number;
  command: Command;
  /** term only: how long the node stays down after it exits, in the fault phase. */
  downFor?: number;
}

export interface OperatorPlan {
  commands: PlannedCommand[];
  /** Per node: resources already running when the machine first boots. */
  foundAtBoot: string[][];
  /** Per entry of FaultPlan.crashes: resources already running when that machine comes back. */
  foundAtRestart: string[][];
  /** After the calm a terminated node comes back this soon after it exits, ms. */
  lateRestart: number;
}

export interface OperatorPlanOptions {
  commands: boolean;
  foundRunning: boolean;
}

/** Role changes and offline periods end at least this long before the calm (chaos ends), real ms. */
export const HEAL_MARGIN = 500;
const FOUND_AT_BOOT_CHANCE = 0.15;
const FOUND_AT_RESTART_CHANCE = 0.35;
const MAX_COMMANDS_PER_NODE = 100;

type Kind = 'hup' | 'offline' | 'role' | 'clear' | 'term';
const SERVICE_KINDS: readonly Kind[] = ['hup', 'hup', 'offline', 'offline', 'role', 'role', 'role', 'clear', 'clear', 'term'];
const WATCHDOG_KINDS: readonly Kind[] = ['role', 'clear', 'term'];
const SERVICE_DETOURS: readonly Role[] = ['primary', 'watchdog', 'init'];

export function planOperator(cluster: ClusterPlan, faults: FaultPlan, options: OperatorPlanOptions, rng: Prng): OperatorPlan {
  const resources = cluster.resources.map((r) => r.name);
  const service = cluster.nodes.map((n) => !n.watchdog);
  const found = (chance: number, node: number): string[] =>
    options.foundRunning && service[node] === true ? resources.filter(() => rng.chance(chance)) : [];
  const foundAtBoot = cluster.nodes.map((_, node) => found(FOUND_AT_BOOT_CHANCE, node));
  const foundAtRestart = faults.crashes.map((c) => found(FOUND_AT_RESTART_CHANCE, c.node));
  const lateRestart = rng.range(0, 300);
  const commands: PlannedCommand[] = [];
  if (options.commands) {
    const gap = rng.pick([Infinity, 8000, 4000, 2000]);
    const realSecond = 1000 / (1 - cluster.timing.maxClockDrift);
    cluster.nodes.forEach((spec, node) => {
      // cluster.ts gives a node the same role_on_start in every resource: one way back fits all.
      const roleOnStart = cluster.resources[0]?.members.find((m) => m.node === spec.name)?.roleOnStart ?? 'secondary';
      const latest = latestDelivery(faults, node);
      let at = faults.faultsFrom + exponential(gap, rng);
      for (let i = 0; at < faults.calmAt && i < MAX_COMMANDS_PER_NODE; i++) {
        const kind = rng.pick(spec.watchdog ? WATCHDOG_KINDS : SERVICE_KINDS);
        const which = rng.chance(0.5) || resources.length === 1 ? 'all' : [rng.pick(resources)];
        const end = planOne(kind, { at, node, which, roleOnStart, watchdog: spec.watchdog, latest: latest(at), calmAt: faults.calmAt, realSecond }, rng, commands);
        at = end + exponential(gap, rng);
      }
    });
    commands.sort((a, b) => a.at - b.at);
  }
  return { commands, foundAtBoot, foundAtRestart, lateRestart };
}

interface Slot {
  at: number;
  node: number;
  which: string[] | 'all';
  roleOnStart: Role;
  watchdog: boolean;
  /** The latest real time a command given at `at` is read: a paused node reads it on waking. */
  latest: number;
  calmAt: number;
  /** The longest a second on a node's clock can last in real ms. */
  realSecond: number;
}

/** Adds the command (or pair) to `out`; returns when this node's next command may come. */
function planOne(kind: Kind, s: Slot, rng: Prng, out: PlannedCommand[]): number {
  const { at, node, which } = s;
  const lastChance = s.calmAt - HEAL_MARGIN;
  switch (kind) {
    case 'hup':
      out.push({ at, node, command: { type: 'hup' } });
      return at;
    case 'clear':
      out.push({ at, node, command: { type: 'clear', resources: which } });
      return at;
    case 'term': {
      out.push({ at, node, command: { type: 'term' }, downFor: rng.range(300, 5000) });
      return at;
    }
    case 'offline': {
      // The node's clock may run slow: its seconds last longer in real time.
      const fits = Math.floor((lastChance - s.latest) / s.realSecond);
      const seconds = Math.min(rng.int(1, 5), fits);
      if (seconds < 1) return at;
      out.push({ at, node, command: { type: 'offline', seconds, resources: which } });
      return at + seconds * 1000;
    }
    case 'role': {
      const detour = s.watchdog ? 'init' : rng.pick(SERVICE_DETOURS);
      // Sometimes back at once, while the node may still be stopping for the detour.
      const back = at + (rng.chance(0.3) ? rng.range(20, 300) : rng.range(300, 5000));
      // Only if the way back fits in the fault phase, so each node settles in its configured role.
      if (back >= lastChance) return at;
      out.push({ at, node, command: { type: 'role', role: detour, resources: which } });
      out.push({ at: back, node, command: { type: 'role', role: s.roleOnStart, resources: which } });
      return back;
    }
  }
}

/** For a command given at `at`: when the node reads it, at the latest (end of a pause covering it). */
function latestDelivery(faults: FaultPlan, node: number): (at: number) => number {
  const pauses = faults.pauses.filter((p) => p.node === node);
  return (at) => {
    let latest = at;
    for (const p of pauses) if (p.at <= at && at < p.at + p.duration) latest = Math.max(latest, Math.min(p.at + p.duration, faults.calmAt));
    return latest;
  };
}
