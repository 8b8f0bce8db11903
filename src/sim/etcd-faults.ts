// What goes wrong with the simulated etcd in one run, drawn from the seed: its clock rate, leader
// changes (every lease back to its full TTL), and periods when it is lost (unreachable from every
// node, or from some) or slow. The chaos phase draws all of these; the steady fault keeps one
// reachability (no leader change, no slowness), so that what a quorum can promise stays stated;
// after the heal etcd is healthy.

import type { FaultPlan } from './faults.js';
import type { Prng } from './prng.js';

export interface EtcdCondition {
  label: string;
  /** Nodes (by index) whose requests and watches get no answer. */
  cut: ReadonlySet<number>;
  /** Extra delay per message, uniform in [0, slowMax] ms. */
  slowMax: number;
}

export const HEALTHY_ETCD: EtcdCondition = { label: 'healthy', cut: new Set(), slowMax: 0 };

export interface EtcdFaultPlan {
  /** etcd's clock rate, within the tolerated drift. */
  rate: number;
  leaderChanges: number[];
  conditions: { at: number; condition: EtcdCondition }[];
  steady: EtcdCondition;
}

const MAX_CHANGES = 500;

export function planEtcdFaults(nodes: number, faults: FaultPlan, maxClockDrift: number, rng: Prng): EtcdFaultPlan {
  const rate = 1 + rng.range(-1, 1) * maxClockDrift;
  const leaderGap = rng.pick([Infinity, 8000, 2000]);
  const leaderChanges: number[] = [];
  if (Number.isFinite(leaderGap)) {
    for (let at = faults.faultsFrom + rng.range(0, leaderGap), i = 0; at < faults.calmAt && i < MAX_CHANGES; at += rng.range(0, 2 * leaderGap), i++) leaderChanges.push(at);
  }
  const conditions: EtcdFaultPlan['conditions'] = [];
  for (let at = faults.faultsFrom, i = 0; at < faults.calmAt && i < MAX_CHANGES; at += rng.range(1000, 8000), i++) {
    conditions.push({ at, condition: drawCondition(nodes, rng.pick(['healthy', 'healthy', 'lost', 'lost-some', 'slow'] as const), rng) });
  }
  const steady = drawCondition(nodes, rng.pick(['healthy', 'healthy', 'lost', 'lost-some'] as const), rng);
  return { rate, leaderChanges, conditions, steady: { ...steady, label: `steady ${steady.label}` } };
}

function drawCondition(nodes: number, kind: 'healthy' | 'lost' | 'lost-some' | 'slow', rng: Prng): EtcdCondition {
  const everyone = Array.from({ length: nodes }, (_, i) => i);
  switch (kind) {
    case 'healthy':
      return HEALTHY_ETCD;
    case 'lost':
      return { label: 'lost', cut: new Set(everyone), slowMax: 0 };
    case 'lost-some': {
      const cut = everyone.filter(() => rng.chance(0.5));
      if (cut.length === 0) cut.push(rng.int(0, nodes - 1));
      return { label: 'lost-some', cut: new Set(cut), slowMax: 0 };
    }
    case 'slow':
      return { label: 'slow', cut: new Set(), slowMax: rng.pick([500, 2000, 5000]) };
  }
}
