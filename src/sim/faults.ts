// The fault plan of one run, drawn from the seed before the run starts: when each node boots,
// its clock, the network conditions of the fault phase, crashes and restarts, process pauses,
// resources dying under a node, and how often scripts fail, hang or crawl.
//
// A run has three phases: chaos (faultsFrom..calmAt: everything above), a steady fault
// (calmAt..healAt: one network condition that cuts links one way or both, nothing else goes
// wrong) in which a quorum that hears each other must run every resource, then the heal.

import type { ClusterPlan } from './cluster.js';
import type { Prng } from './prng.js';

/** What the network does to datagrams for a while. */
export interface NetworkCondition {
  label: string;
  loss: number;
  duplicate: number;
  /** Extra delay per datagram, uniform in [0, maxDelay] ms: independent delays reorder. */
  maxDelay: number;
  /** A few datagrams are held back much longer. */
  longDelayChance: number;
  longDelayMax: number;
  /** Directed links that deliver nothing, as linkKey(from, to). */
  blocked: ReadonlySet<number>;
}

const MAX_LINK_NODES = 1024;

export function linkKey(from: number, to: number): number {
  return from * MAX_LINK_NODES + to;
}

export function linkEnds(key: number): { from: number; to: number } {
  return { from: Math.floor(key / MAX_LINK_NODES), to: key % MAX_LINK_NODES };
}

export const HEALTHY_NETWORK: NetworkCondition = {
  label: 'healthy',
  loss: 0,
  duplicate: 0,
  maxDelay: 0,
  longDelayChance: 0,
  longDelayMax: 0,
  blocked: new Set(),
};

export interface ScriptFaultRates {
  /** A probe or monitor exits with a failure code, a start exits 1. */
  fail: number;
  hang: number;
  /** Runs for seconds: may pass the script timeout. */
  slow: number;
  /** Stops fail, hang or crawl only when stop failures were asked for. */
  stopFail: number;
}

export interface ClockSpec {
  offset: number;
  rate: number;
}

export interface FaultPlanOptions {
  /** Also pause nodes longer than the guard (up to several leases). */
  longPauses: boolean;
  /** Let stop scripts fail: a failed stop blocks the resource for good. */
  stopFailures: boolean;
  /** How long the steady fault lasts at least (its liveness bound plus a confirmation), 0 for none. */
  steadyAtLeast: number;
}

/**
 * Instead of chaos, one kind of trouble for a long stretch, in which no healthy holder may stop:
 * random loss on every link (and nothing else, or process pauses too), or a healthy network while
 * machines crash and come back (and the operator restarts nodes). Or a trial: on a healthy network,
 * once the cluster has elected, one thing happens to the holder of one resource (HolderAct).
 */
export type SoakPlan =
  | { kind: 'loss'; loss: number; ms: number; pauses?: PauseLoad }
  | { kind: 'restarts'; ms: number }
  | { kind: 'holder'; act: HolderAct; ms: number };

/** What happens to a holder in a trial: its machine crashes, or the operator sends it HUP or TERM. */
export type HolderAct = 'crash' | 'hup' | 'term';

/** Process pauses in a soak: every node stops for `length` ms, a mean `every` ms apart (at random). */
export interface PauseLoad {
  length: number;
  every: number;
}

/**
 * A trial's act: at `at` (or as soon after as the resource has a RUNNING holder, until `giveUpAt`),
 * `act` befalls the holder of `resource`; a node that crashed or exited comes back `backAfter` later.
 */
export interface PlannedHolderAct {
  at: number;
  giveUpAt: number;
  resource: string;
  act: HolderAct;
  backAfter: number;
}

/** At most this many pauses per node in a soak: bounds the plan whatever the pause rate. */
const MAX_SOAK_PAUSES_PER_NODE = 100_000;

export function planSoak(cluster: ClusterPlan, soak: SoakPlan, rng: Prng): FaultPlan {
  if (soak.kind === 'holder') return planHolderTrial(cluster, soak, rng);
  const count = cluster.nodes.length;
  const bootAt = cluster.nodes.map(() => rng.range(0, 3000));
  const clocks = cluster.nodes.map(() => drawClock(cluster.timing.maxClockDrift, rng));
  // Everyone has booted and elected before the trouble starts.
  const faultsFrom = 3000 + 2 * cluster.timing.lease + rng.range(0, 2000);
  const calmAt = faultsFrom + soak.ms;
  const quiet = quietNetwork(cluster, rng);
  const network = [{ at: faultsFrom, condition: soak.kind === 'loss' ? { ...quiet, label: `soak loss`, loss: soak.loss } : quiet }];
  const crashes: FaultPlan['crashes'] = [];
  if (soak.kind === 'restarts') {
    const gap = rng.pick([4000, 8000, 20_000]);
    for (let node = 0; node < count; node++) planCrashes(node, faultsFrom, calmAt, gap, rng, crashes);
  }
  const pauses: FaultPlan['pauses'] = [];
  if (soak.kind === 'loss' && soak.pauses !== undefined) {
    const { length, every } = soak.pauses;
    for (let node = 0; node < count; node++) {
      let at = faultsFrom + exponential(every, rng);
      for (let i = 0; at < calmAt && i < MAX_SOAK_PAUSES_PER_NODE; i++) {
        pauses.push({ at, node, duration: length });
        at += length + exponential(every, rng);
      }
    }
  }
  return { bootAt, clocks, faultsFrom, calmAt, steady: HEALTHY_NETWORK, healAt: calmAt, network, crashes, pauses, deaths: [], scripts: NO_SCRIPT_FAULTS, holderActs: [] };
}

/**
 * A trial: the machines boot within a lease of each other and elect; then, a random fraction of
 * a lease later (so that the act falls anywhere between two heartbeats), the act, on a resource
 * drawn from the seed. A node it took down comes back at the end of the trial, `soak.ms` later.
 */
function planHolderTrial(cluster: ClusterPlan, soak: { act: HolderAct; ms: number }, rng: Prng): FaultPlan {
  const { lease, deadtime } = cluster.timing;
  const bootAt = cluster.nodes.map(() => rng.range(0, lease));
  const clocks = cluster.nodes.map(() => drawClock(cluster.timing.maxClockDrift, rng));
  const network = [{ at: 0, condition: quietNetwork(cluster, rng) }];
  const resource = rng.pick(cluster.resources).name;
  // A node listens for a deadtime and endorses nobody for a lease after it starts.
  const faultsFrom = 2 * lease + deadtime + rng.range(0, lease);
  const calmAt = faultsFrom + soak.ms;
  const act: PlannedHolderAct = { at: faultsFrom, giveUpAt: calmAt, resource, act: soak.act, backAfter: soak.ms };
  return { bootAt, clocks, faultsFrom, calmAt, steady: HEALTHY_NETWORK, healAt: calmAt, network, crashes: [], pauses: [], deaths: [], scripts: NO_SCRIPT_FAULTS, holderActs: [act] };
}

/**
 * Delays well inside a heartbeat, whatever the timing: a soak tests loss or restarts, not a
 * network slower than the timing chosen for it.
 */
function quietNetwork(cluster: ClusterPlan, rng: Prng): NetworkCondition {
  const maxDelay = Math.min(rng.pick([2, 20]), cluster.timing.heartbeatInterval / 4);
  return { ...HEALTHY_NETWORK, label: 'soak healthy', maxDelay };
}

const NO_SCRIPT_FAULTS: ScriptFaultRates = { fail: 0, hang: 0, slow: 0, stopFail: 0 };

export interface FaultPlan {
  bootAt: number[];
  clocks: ClockSpec[];
  faultsFrom: number;
  /** Chaos ends: pauses end, crashed machines are back, scripts succeed, the steady fault begins. */
  calmAt: number;
  /** The network condition from calmAt to healAt. */
  steady: NetworkCondition;
  healAt: number;
  network: { at: number; condition: NetworkCondition }[];
  crashes: { at: number; node: number; restartAt: number }[];
  pauses: { at: number; node: number; duration: number }[];
  deaths: { at: number; node: number; resource: string }[];
  scripts: ScriptFaultRates;
  /** Trials only: what befalls a resource's holder. */
  holderActs: PlannedHolderAct[];
}

const MAX_EVENTS_PER_NODE = 200;

export function planFaults(cluster: ClusterPlan, options: FaultPlanOptions, rng: Prng): FaultPlan {
  const count = cluster.nodes.length;
  const { guard, lease, maxClockDrift } = cluster.timing;
  const bootAt = cluster.nodes.map(() => rng.range(0, 3000));
  const clocks = cluster.nodes.map(() => drawClock(maxClockDrift, rng));
  const faultsFrom = rng.range(0, 10_000);
  const calmAt = faultsFrom + rng.range(5000, 30_000);

  const network: FaultPlan['network'] = [];
  for (let at = faultsFrom, i = 0; at < calmAt && i < 1000; at += rng.range(300, 4000), i++) {
    network.push({ at, condition: drawCondition(count, rng) });
  }

  const crashGap = rng.pick([Infinity, Infinity, 20_000, 8000]);
  const pauseGap = rng.pick([Infinity, 5000, 1500]);
  const deathGap = rng.pick([Infinity, Infinity, 10_000]);
  const crashes: FaultPlan['crashes'] = [];
  const pauses: FaultPlan['pauses'] = [];
  const deaths: FaultPlan['deaths'] = [];
  for (let node = 0; node < count; node++) {
    planCrashes(node, faultsFrom, calmAt, crashGap, rng, crashes);
    let at = faultsFrom + exponential(pauseGap, rng);
    for (let i = 0; at < calmAt && i < MAX_EVENTS_PER_NODE; i++) {
      const long = options.longPauses && rng.chance(0.5);
      const duration = long
        ? rng.chance(0.8)
          ? rng.range(guard, 3 * lease)
          : rng.range(3 * lease, 8000)
        : rng.range(1, guard);
      pauses.push({ at, node, duration });
      at += duration + exponential(pauseGap, rng);
    }
    if (cluster.nodes[node]?.watchdog === true) continue;
    for (const resource of cluster.resources) {
      at = faultsFrom + exponential(deathGap, rng);
      for (let i = 0; at < calmAt && i < MAX_EVENTS_PER_NODE; i++) {
        deaths.push({ at, node, resource: resource.name });
        at += exponential(deathGap, rng);
      }
    }
  }

  const scripts: ScriptFaultRates = {
    fail: rng.pick([0, 0.05, 0.15]),
    hang: rng.pick([0, 0.02, 0.06]),
    slow: rng.pick([0, 0.05, 0.15]),
    stopFail: options.stopFailures ? rng.pick([0.005, 0.02]) : 0,
  };
  // Drawn last, so that the chaos phase of a seed is the same with or without a steady fault.
  const steady = options.steadyAtLeast > 0 ? drawSteadyCondition(count, rng) : HEALTHY_NETWORK;
  const healAt = options.steadyAtLeast > 0 ? calmAt + options.steadyAtLeast + rng.range(0, 3000) : calmAt;
  return { bootAt, clocks, faultsFrom, calmAt, steady, healAt, network, crashes, pauses, deaths, scripts, holderActs: [] };
}

/**
 * One node's crashes between `from` and `until`, a mean `gap` apart. They do not overlap: the next
 * one comes after the restart. Whatever is still down at `until` comes back just after it.
 */
function planCrashes(node: number, from: number, until: number, gap: number, rng: Prng, out: FaultPlan['crashes']): void {
  let at = from + exponential(gap, rng);
  for (let i = 0; at < until && i < MAX_EVENTS_PER_NODE; i++) {
    const restartAt = Math.min(at + rng.range(300, 10_000), until + rng.range(0, 300));
    out.push({ at, node, restartAt });
    at = restartAt + exponential(gap, rng);
  }
}

/** Rate within the tolerated drift, often at its very edge; offset: whenever the machine booted. */
export function drawClock(maxDrift: number, rng: Prng): ClockSpec {
  const skew = rng.chance(0.4) ? rng.pick([-1, 1]) : rng.range(-1, 1);
  return { offset: rng.range(0, 1e9), rate: 1 + skew * maxDrift };
}

/** A random gap with the given mean; Infinity for never. */
export function exponential(mean: number, rng: Prng): number {
  if (!Number.isFinite(mean)) return Infinity;
  return -mean * Math.log(1 - rng.float());
}

type Kind = 'clean' | 'lossy' | 'split' | 'one-way' | 'isolated' | 'deaf' | 'mute';

function drawCondition(count: number, rng: Prng): NetworkCondition {
  const kind = rng.pick(['clean', 'lossy', 'lossy', 'split', 'one-way', 'isolated', 'deaf', 'mute'] as const);
  const blocked = drawCuts(kind, count, rng);
  const clean = kind === 'clean';
  return {
    label: kind,
    loss: clean ? 0 : rng.chance(0.5) ? rng.range(0, 0.2) : rng.range(0.2, 0.6),
    duplicate: rng.chance(0.3) ? rng.range(0, 0.2) : 0,
    maxDelay: rng.pick([2, 50, 200, 500]),
    longDelayChance: rng.chance(0.2) ? rng.range(0, 0.05) : 0,
    longDelayMax: rng.range(500, 3000),
    blocked,
  };
}

/**
 * A fault that stays: links cut one way or both, but what gets through arrives without loss and
 * soon, so that nodes that hear each other in both directions are as good as healed.
 */
function drawSteadyCondition(count: number, rng: Prng): NetworkCondition {
  const kind = rng.pick(['clean', 'split', 'one-way', 'one-way', 'isolated', 'deaf', 'deaf', 'mute'] as const);
  return {
    label: `steady ${kind}`,
    loss: 0,
    duplicate: rng.chance(0.3) ? rng.range(0, 0.2) : 0,
    maxDelay: rng.pick([2, 20]),
    longDelayChance: 0,
    longDelayMax: 0,
    blocked: drawCuts(kind, count, rng),
  };
}

function drawCuts(kind: Kind, count: number, rng: Prng): Set<number> {
  const blocked = new Set<number>();
  const block = (from: number, to: number): void => {
    if (from !== to) blocked.add(linkKey(from, to));
  };
  const everyone = Array.from({ length: count }, (_, i) => i);
  if (kind === 'split' && count > 1) {
    // Two non-empty sides, cut both ways.
    const shuffled = rng.shuffle([...everyone]);
    const cut = rng.int(1, count - 1);
    const side = new Set(shuffled.slice(0, cut));
    for (const a of everyone) for (const b of everyone) if (side.has(a) !== side.has(b)) block(a, b);
  } else if (kind === 'one-way') {
    for (const a of everyone) for (const b of everyone) if (rng.chance(0.35)) block(a, b);
  } else if (kind === 'isolated' || kind === 'deaf' || kind === 'mute') {
    const node = rng.int(0, count - 1);
    for (const other of everyone) {
      if (kind !== 'deaf') block(node, other);
      if (kind !== 'mute') block(other, node);
    }
  }
  return blocked;
}
