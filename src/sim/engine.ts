// The discrete-event simulation of one seeded run: N service nodes and W watchdogs, each a core
// on its own drifting clock, a faulty network, fake scripts, crashes, restarts and pauses; then a
// healed phase in which the cluster must settle. Every fault and every timing comes from the seed,
// and so does what the operator does meanwhile (operator-plan.ts): commands to random nodes, and
// services already running when a machine boots.
//
// The shell's part for each node (feeding the core, carrying out its effects) is the NodeDriver's,
// shared with the scenario harness; the engine adds what is particular to a seeded run: faults,
// drifting clocks, pauses, the operator, and the checkers. It takes any core through a factory,
// so tests can run a weakened one.

import { DriftingClock } from './clock.js';
import { coreConfigFor, planCluster, type ClusterPlan } from './cluster.js';
import { EventQueue } from './event-queue.js';
import { drawScriptFate, type ScriptFate, type ScriptTimes } from './fake-scripts.js';
import {
  HEALTHY_NETWORK,
  linkKey,
  planFaults,
  planSoak,
  type ClockSpec,
  type FaultPlan,
  type HolderAct,
  type NetworkCondition,
  type PlannedHolderAct,
  type SoakPlan,
} from './faults.js';
import { judgeRoles, LivenessTracker, type NodeSnapshot } from './liveness-checker.js';
import { SimNetwork } from './network.js';
import { DriverAborted, NodeDriver, type DriverEvent, type DriverHost, type RunScript } from './node-driver.js';
import { Prng } from './prng.js';
import { SafetyChecker, type SafetyViolation } from './safety-checker.js';
import { judgeSteady } from './steady-checker.js';
import { newSimNode, type ActiveRun, type QueuedInput, type SimNode } from './sim-node.js';
import { planOperator, type OperatorPlan } from './operator-plan.js';
import type { CoreFactory, SimCore } from './sim-core.js';
import { SimEtcd } from './etcd-model.js';
import { HEALTHY_ETCD, planEtcdFaults, type EtcdFaultPlan } from './etcd-faults.js';
import { resolveTiming } from '../config/timing.js';
import { formatCondition, formatEffect, formatInput, formatView } from './trace-format.js';
import { ETCD_MIN_TTL_MS, etcdTtlMs, standardQuorumSize } from '../core/quorum.js';
import type { Command, Effect, Input, Role, Timing } from '../core/types.js';

export type { CoreFactory, SimCore };

export interface SimOptions {
  seed: number;
  /** Service nodes (default 2). */
  nodes?: number;
  /** Watchdogs (default 1). */
  watchdogs?: number;
  /** Resources (default 2). */
  resources?: number;
  /** Also pause nodes longer than the guard; they must stop first on waking. */
  longPauses?: boolean;
  /** Let some stops fail in the fault phase (a failed stop blocks the resource for good). */
  stopFailures?: boolean;
  /** Operator commands in the fault phase: hup, offline, role and back, clear, term and restart (default on). */
  commands?: boolean;
  /** Services already running when a machine boots or comes back from a crash (default on). */
  foundRunning?: boolean;
  /** Heartbeat intervals after the heal by which every resource must have settled. */
  livenessBound?: number;
  /**
   * A steady fault between the chaos and the heal (default on): one network condition cutting
   * links one way or both, in which a quorum that hears itself must run every resource.
   */
  steady?: boolean;
  /** Instead of chaos, a long stretch of loss only, or of restarts only, or a trial (faults.ts, SoakPlan). */
  soak?: SoakPlan;
  /**
   * In a soak, a holder that stops for want of endorsements while a quorum of its voters is up
   * and settled is a failure (default); false counts it only, for a soak that measures how often.
   */
  selfFenceIsFailure?: boolean;
  /** The cluster's timing (default: the configuration's default; a given cluster has its own). */
  timing?: Timing;
  /** A given cluster (a configuration's nodes) instead of one drawn from the seed: nodes, watchdogs, resources and timing are its own. */
  cluster?: ClusterPlan;
  /** How long the resources' scripts take when nothing goes wrong (default: drawn from the seed). */
  scriptTimes?: ScriptTimes;
  /** Receives one line per step and per fault. */
  trace?: (line: string) => void;
  /**
   * etcd as one more voter of every resource, with its faults (etcd-faults.ts). Without `nodes`
   * and `watchdogs`, the seed picks the cluster: 2 nodes, 3 nodes, or 2 nodes and a watchdog.
   */
  etcd?: EtcdSimOptions;
}

export interface EtcdSimOptions {
  /** The fraction of its TTL a lease really lasts in etcd: 1 but in tests proving the checker catches a node that trusts it longer. */
  ttlFraction?: number;
}

/** The clusters `--etcd` mixes, one per seed: two nodes and etcd; three; two, a watchdog and etcd. */
export const ETCD_SHAPES = [
  { nodes: 2, watchdogs: 0 },
  { nodes: 3, watchdogs: 0 },
  { nodes: 2, watchdogs: 1 },
] as const;

/** With etcd, the shortest lease the configuration accepts (etcd's minimum TTL), other timing as by default. */
export function etcdSimTiming(): Timing {
  return resolveTiming({ lease: { value: ETCD_MIN_TTL_MS, line: 0 } }).timing;
}

export interface ResourceOutcome {
  resource: string;
  kind: 'ok' | 'errored' | 'failing';
  /** ms after the heal when it settled for good (ok only). */
  settledAfter: number | null;
  detail: string;
}

/** How much of the operator's part a run exercised. */
export interface Exercised {
  /** Commands a core read (a command to a node that is down is not given). */
  commands: number;
  /** Nodes that exited after TERM (each comes back later). */
  exits: number;
  /** Failed stops the operator cleaned up by hand before clearing them. */
  clearedByHand: number;
  /** Resources found running when a node started. */
  foundRunning: number;
  /** Resources a node adopted (RUNNING without a start). */
  adoptions: number;
  /** Starts that overlapped a copy found running elsewhere, by a node that could not know (allowed). */
  excusedFoundOverlaps: number;
}

export interface SimResult {
  seed: number;
  safetyViolations: SafetyViolation[];
  /** Liveness failures, and anything that stopped the run (a core that threw, a busy loop). */
  livenessFailures: string[];
  resources: ResourceOutcome[];
  /** Smallest time between a node beginning to stop and another beginning to start, ms. */
  closestHandover: number;
  /** Holders that stopped for want of endorsements; `justified` when fewer than a quorum of voters had been up. */
  selfFences: { at: number; node: string; resource: string; justified: boolean }[];
  /** Summed over the resources: how long none ran between the start of the faults and the calm, ms (sampled). */
  outageMs: number;
  /** Every start script begun, in order. */
  starts: { at: number; node: string; resource: string }[];
  /** A trial: what befell a holder, and the resources it ran at that moment. */
  holderActs: { at: number; act: HolderAct; node: string; resources: string[] }[];
  simulatedMs: number;
  steps: number;
  exercised: Exercised;
}

export const DEFAULT_LIVENESS_BOUND = 40;
/** The bound after the heal is never shorter than this, ms (a machine restarted at the heal probes, listens and votes). */
const MIN_LIVENESS_BOUND_MS = 3000;
/**
 * How soon a quorum that hears itself runs a resource once a steady fault began: a deaf holder's
 * endorsements run out within a lease and its voters' promise a deadtime and a lease after it
 * stopped hearing them; a machine back from a crash listens a deadtime and votes after a lease;
 * then an election and a start take a few heartbeats. In leases and heartbeats of the timing.
 */
export const STEADY_BOUND = { leases: 3, heartbeats: 10 } as const;
/** After the bound, the verdict must hold for a little longer to count as settled. */
const CONFIRM_HEARTBEATS = 5;
const SAMPLES_PER_HEARTBEAT = 4;
const MAX_STEPS = 3_000_000;
const WALL_CLOCK_AT_ZERO = 1_700_000_000_000;
/** How often the operator checks on a node that was told to TERM and has not exited. */
const TERM_FOLLOW_UP_EVERY = 1000;

type SimEvent =
  | DriverEvent
  | { type: 'boot'; node: number }
  | { type: 'network'; condition: NetworkCondition }
  | { type: 'crash'; node: number }
  | { type: 'restart'; node: number; reboot: boolean; found: readonly string[] }
  | { type: 'command'; node: number; command: Command; downFor: number }
  | { type: 'term-follow-up'; node: number; life: number }
  | { type: 'pause'; node: number; duration: number }
  | { type: 'resume'; node: number; life: number }
  | { type: 'death'; node: number; resource: string }
  | { type: 'holder-act'; plan: PlannedHolderAct }
  | { type: 'calm' }
  | { type: 'heal' }
  | { type: 'steady-sample' }
  | { type: 'outage-sample' }
  | { type: 'etcd'; fire: () => void }
  | { type: 'etcd-condition'; steady: boolean; index: number }
  | { type: 'etcd-leader' }
  | { type: 'sample' }
  | { type: 'end' };

class Simulation implements DriverHost {
  private readonly queue = new EventQueue<SimEvent>();
  private readonly cluster: ClusterPlan;
  private readonly faults: FaultPlan;
  private readonly operator: OperatorPlan;
  private readonly network: SimNetwork;
  private readonly scriptRng: Prng;
  private readonly restartRng: Prng;
  private readonly nodes: SimNode[];
  private readonly driver: NodeDriver;
  private readonly safety: SafetyChecker;
  private readonly liveness: LivenessTracker;
  private readonly failures: string[] = [];
  private readonly bound: number;
  private now = 0;
  private steps = 0;
  private readonly exercised = { commands: 0, exits: 0, clearedByHand: 0, foundRunning: 0, adoptions: 0 };
  private calm = false;
  private readonly steadyBound: number;
  private readonly selfFences: SimResult['selfFences'] = [];
  private readonly starts: SimResult['starts'] = [];
  private readonly holderActs: SimResult['holderActs'] = [];
  /** Since when each node's hastmon has run without a break (real ms); absent while down or paused. */
  private readonly upSince = new Map<string, number>();
  private outageMs = 0;
  /** Resources that already failed the steady check in this run (reported once each). */
  private readonly steadyFailed = new Set<string>();
  private ended = false;
  /** Live nodes not back in their configured role, or in a state their role does not allow, at the end. */
  private roleProblems: string[] = [];
  private readonly etcd: SimEtcd | null = null;
  private readonly etcdFaults: EtcdFaultPlan | null = null;
  /** During the steady fault: the nodes etcd answers. */
  private etcdSteadyCut: ReadonlySet<number> = new Set();

  constructor(
    private readonly options: SimOptions,
    factory: CoreFactory,
  ) {
    const root = new Prng(options.seed);
    const clusterRng = root.fork();
    const faultRng = root.fork();
    this.network = new SimNetwork(root.fork());
    this.scriptRng = root.fork();
    this.restartRng = root.fork();
    // Forked last: turning commands off leaves every other draw of the seed as it was.
    const operatorRng = root.fork();
    const etcdRng = root.fork();
    const mixed = options.etcd !== undefined && options.nodes === undefined && options.watchdogs === undefined;
    const shape = mixed ? (ETCD_SHAPES[options.seed % ETCD_SHAPES.length] ?? ETCD_SHAPES[0]) : { nodes: options.nodes ?? 2, watchdogs: options.watchdogs ?? 1 };
    const clusterTiming = options.timing ?? (options.etcd !== undefined ? etcdSimTiming() : undefined);
    this.cluster =
      options.cluster ??
      planCluster(
        { ...shape, resources: options.resources ?? 2 },
        clusterRng,
        clusterTiming,
        options.etcd === undefined || clusterTiming === undefined ? null : { ttlMs: etcdTtlMs(clusterTiming.lease) },
      );
    this.faults = options.soak !== undefined ? planSoak(this.cluster, options.soak, faultRng) : planFaults(
      this.cluster,
      {
        longPauses: options.longPauses ?? false,
        stopFailures: options.stopFailures ?? false,
        steadyAtLeast: options.steady === false ? 0 : steadyBoundOf(this.cluster.timing) + STEADY_CONFIRM_MS,
      },
      faultRng,
    );
    this.operator = planOperator(
      this.cluster,
      this.faults,
      { commands: options.commands ?? true, foundRunning: options.foundRunning ?? true },
      operatorRng,
    );
    this.nodes = this.cluster.nodes.map((spec, index) => newSimNode(index, spec, this.faults.clocks[index] as ClockSpec));
    this.driver = new NodeDriver(this.nodes, this.queue, () => this.now, factory, this);
    if (this.cluster.etcd !== null) {
      const etcdFaults = options.soak === undefined ? planEtcdFaults(this.nodes.length, this.faults, this.cluster.timing.maxClockDrift, etcdRng) : null;
      this.etcdFaults = etcdFaults;
      this.etcdSteadyCut = etcdFaults?.steady.cut ?? new Set();
      this.etcd = new SimEtcd(this.cluster.etcd, this.cluster.timing, etcdFaults?.rate ?? 1, etcdRng.fork(), {
        now: () => this.now,
        at: (at, fire) => this.queue.push(at, { type: 'etcd', fire }),
        network: () => this.network.condition,
        claim: (node, resource, claim) => this.driver.receive(node, { input: { kind: 'etcd', resource, claim }, runId: null }),
        ...(options.trace === undefined ? {} : { trace: (line: string) => this.note(line) }),
      }, options.etcd?.ttlFraction ?? 1);
    }
    const timing = this.cluster.timing;
    this.safety = new SafetyChecker({ guard: timing.guard, lease: timing.lease });
    this.liveness = new LivenessTracker(this.cluster.resources.map((r) => r.name));
    // Scripts and restarts take the same real time at any timing: a fast timing gets a floor.
    this.bound = Math.max((options.livenessBound ?? DEFAULT_LIVENESS_BOUND) * timing.heartbeatInterval, MIN_LIVENESS_BOUND_MS);
    this.steadyBound = steadyBoundOf(timing);
  }

  run(): SimResult {
    this.schedulePlan();
    try {
      for (let event = this.queue.pop(); event !== undefined && !this.ended; event = this.queue.pop()) {
        this.now = event.at;
        this.dispatch(event.event);
      }
    } catch (error) {
      if (!(error instanceof DriverAborted)) throw error;
      this.failures.push(error.message);
      const cause = error.cause instanceof Error ? `\n${error.cause.stack ?? error.cause.message}` : '';
      this.note(`aborted: ${error.message}${cause}`);
    }
    return this.result();
  }

  private schedulePlan(): void {
    const f = this.faults;
    const trace = this.options.trace;
    if (trace !== undefined) {
      const names = this.nodes.map((n) => `${n.name}${n.watchdog ? '(watchdog)' : ''} rate=${n.clock.rate.toFixed(5)}`);
      trace(`plan seed=${this.options.seed} nodes: ${names.join(', ')}`);
      for (const r of this.cluster.resources) {
        trace(`plan ${r.name} priorities: ${r.members.map((m) => `${m.node}=${m.priority}`).join(' ')}`);
      }
      trace(`plan faults ${f.faultsFrom.toFixed(1)}..${f.healAt.toFixed(1)} ms, scripts ${JSON.stringify(f.scripts)}, bound ${this.bound} ms`);
      const e = this.etcdFaults;
      if (this.cluster.etcd !== null) {
        trace(`plan etcd: TTL ${this.cluster.etcd.ttlMs} ms, clock rate ${(e?.rate ?? 1).toFixed(5)}, ${e?.leaderChanges.length ?? 0} leader changes, steady ${e === null ? 'healthy' : formatEtcdCondition(e.steady, (i) => this.nodes[i]?.name ?? String(i))}`);
      }
    }
    f.bootAt.forEach((at, node) => this.queue.push(at, { type: 'boot', node }));
    for (const { at, condition } of f.network) this.queue.push(at, { type: 'network', condition });
    f.crashes.forEach((c, i) => {
      this.queue.push(c.at, { type: 'crash', node: c.node });
      this.queue.push(c.restartAt, { type: 'restart', node: c.node, reboot: true, found: this.operator.foundAtRestart[i] ?? [] });
    });
    for (const c of this.operator.commands) this.queue.push(c.at, { type: 'command', node: c.node, command: c.command, downFor: c.downFor ?? 0 });
    for (const p of f.pauses) this.queue.push(p.at, { type: 'pause', node: p.node, duration: p.duration });
    for (const d of f.deaths) this.queue.push(d.at, { type: 'death', node: d.node, resource: d.resource });
    const e = this.etcdFaults;
    if (e !== null) {
      for (const at of e.leaderChanges) this.queue.push(at, { type: 'etcd-leader' });
      e.conditions.forEach((c, index) => this.queue.push(c.at, { type: 'etcd-condition', steady: false, index }));
    }
    for (const plan of f.holderActs) this.queue.push(plan.at, { type: 'holder-act', plan });
    if (f.calmAt < f.healAt) {
      this.queue.push(f.calmAt, { type: 'calm' });
      const every = this.cluster.timing.heartbeatInterval / SAMPLES_PER_HEARTBEAT;
      for (let at = f.calmAt + this.steadyBound; at < f.healAt; at += every) this.queue.push(at, { type: 'steady-sample' });
    }
    const every = this.cluster.timing.heartbeatInterval / SAMPLES_PER_HEARTBEAT;
    if (this.options.soak !== undefined) for (let at = f.faultsFrom; at < f.calmAt; at += every) this.queue.push(at, { type: 'outage-sample' });
    this.queue.push(f.healAt, { type: 'heal' });
    const interval = this.cluster.timing.heartbeatInterval / SAMPLES_PER_HEARTBEAT;
    const end = f.healAt + this.bound + CONFIRM_HEARTBEATS * this.cluster.timing.heartbeatInterval;
    for (let at = f.healAt; at < end; at += interval) this.queue.push(at, { type: 'sample' });
    this.queue.push(end, { type: 'end' });
  }

  private dispatch(event: SimEvent): void {
    switch (event.type) {
      case 'boot': {
        const node = this.node(event.node);
        node.booted = true;
        for (const resource of this.operator.foundAtBoot[event.node] ?? []) node.running.add(resource);
        return this.startNode(node);
      }
      case 'wake':
      case 'deliver':
      case 'script-exit':
      case 'script-effect':
        return this.driver.handle(event);
      case 'network':
        if (this.calm) return;
        this.network.condition = event.condition;
        return this.note(`network ${formatCondition(event.condition, (i) => this.nodes[i]?.name ?? String(i))}`);
      case 'crash':
        return this.crash(this.node(event.node));
      case 'restart': {
        const node = this.node(event.node);
        // A crash planned before the machine first booted did nothing; nor does its restart.
        if (!node.booted || node.core !== null) return;
        if (event.reboot) this.maybeReboot(node);
        for (const resource of event.found) node.running.add(resource);
        return this.startNode(node);
      }
      case 'command':
        return this.command(this.node(event.node), event.command, event.downFor);
      case 'term-follow-up':
        return this.termFollowUp(this.node(event.node), event.life);
      case 'pause':
        return this.pause(this.node(event.node), event.duration);
      case 'resume':
        return this.resume(this.node(event.node), event.life);
      case 'death': {
        const node = this.node(event.node);
        if (this.calm || !node.running.delete(event.resource)) return;
        this.safety.serviceDied(node.name, event.resource, this.now);
        return this.note(`${node.name}: ${event.resource} dies`);
      }
      case 'etcd':
        return event.fire();
      case 'etcd-leader':
        if (this.calm) return;
        this.note('etcd: leader change, every lease back to its full TTL');
        return this.etcd?.leaderChange();
      case 'etcd-condition': {
        const condition = this.etcdFaults?.conditions[event.index]?.condition;
        if (this.calm || condition === undefined) return;
        this.note(`etcd ${formatEtcdCondition(condition, (i) => this.nodes[i]?.name ?? String(i))}`);
        return this.etcd?.setCondition(condition);
      }
      case 'holder-act':
        return this.holderAct(event.plan);
      case 'calm':
        return this.calmDown();
      case 'heal':
        return this.heal();
      case 'steady-sample':
        return this.steadySample();
      case 'outage-sample':
        return this.outageSample();
      case 'sample':
        return this.liveness.sample(this.now, this.snapshots());
      case 'end':
        this.ended = true;
        this.roleProblems = judgeRoles(this.snapshots(), (node, resource) => this.configuredRole(node, resource));
        return;
    }
  }

  private configuredRole(node: string, resource: string): Role {
    const spec = this.cluster.resources.find((r) => r.name === resource);
    const member = spec?.members.find((m) => m.node === node);
    if (member === undefined) throw new Error(`${node} is not a member of ${resource}`);
    return member.roleOnStart;
  }

  private node(index: number): SimNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index}`);
    return node;
  }

  private note(line: string): void {
    this.options.trace?.(`${this.now.toFixed(3).padStart(11)} ** ${line}`);
  }

  private startNode(node: SimNode): void {
    const incarnation = Math.max(node.incarnation + 1, Math.floor(WALL_CLOCK_AT_ZERO + this.now));
    this.driver.start(node, coreConfigFor(this.cluster, node.name), incarnation);
  }

  /** DriverHost: a new core is about to start, and its shell's etcd client with it. */
  starting(node: SimNode): void {
    node.terminating = false;
    this.etcd?.start(node, this.cluster.resources.map((r) => r.name));
    const found = [...node.running];
    this.note(`${node.name} starts, incarnation ${node.incarnation}, clock ${node.lastLocal.toFixed(1)}${found.length > 0 ? `, ${found.join(' ')} already running` : ''}`);
    this.safety.newCore(node.name);
    this.upSince.set(node.name, this.now);
    for (const resource of found) this.safety.foundRunning(node.name, resource, this.now);
    this.exercised.foundRunning += found.length;
  }

  /**
   * A trial's act on the node running `plan.resource`; while none does yet, it waits, checking
   * four times a heartbeat, until `plan.giveUpAt` (then the cluster failed to elect: a failure).
   */
  private holderAct(plan: PlannedHolderAct): void {
    const runs = (node: SimNode): string[] =>
      this.driver.view(node)?.resources.filter((r) => r.state === 'RUNNING').map((r) => r.name) ?? [];
    const holder = this.nodes.find((node) => !node.watchdog && runs(node).includes(plan.resource));
    if (holder === undefined) {
      const next = this.now + this.cluster.timing.heartbeatInterval / SAMPLES_PER_HEARTBEAT;
      if (next <= plan.giveUpAt) this.queue.push(next, { type: 'holder-act', plan });
      else this.failures.push(`${plan.resource}: nobody ran it from ${plan.at.toFixed(1)} to ${plan.giveUpAt.toFixed(1)} ms, when its holder was to ${plan.act === 'crash' ? 'crash' : `be sent ${plan.act.toUpperCase()}`}`);
      return;
    }
    this.holderActs.push({ at: this.now, act: plan.act, node: holder.name, resources: runs(holder) });
    this.note(`trial: ${plan.act} of ${holder.name}, holder of ${plan.resource}`);
    switch (plan.act) {
      case 'crash':
        this.crash(holder);
        this.queue.push(this.now + plan.backAfter, { type: 'restart', node: holder.index, reboot: true, found: [] });
        return;
      case 'hup':
        return this.command(holder, { type: 'hup' }, 0);
      case 'term':
        return this.command(holder, { type: 'term' }, plan.backAfter);
    }
  }

  /** A machine crash: the process and every script vanish, and the services with them. */
  private crash(node: SimNode): void {
    // A machine whose hastmon exited (TERM) can crash too, and what ran on it goes with it.
    if (!node.booted || (node.core === null && node.running.size === 0)) return;
    this.note(`${node.name} crashes`);
    this.driver.crash(node);
    this.upSince.delete(node.name);
    this.safety.crashed(node.name, this.now);
  }

  /** Half the restarts are reboots: the monotonic clock starts again from near zero. */
  private maybeReboot(node: SimNode): void {
    if (!this.restartRng.chance(0.5)) return;
    const local = this.restartRng.range(5000, 60_000);
    node.clock = new DriftingClock(local - node.clock.rate * this.now, node.clock.rate);
  }

  private pause(node: SimNode, duration: number): void {
    if (node.core === null || node.pause !== null || this.calm) return;
    const long = duration >= this.cluster.timing.guard;
    this.note(`${node.name} pauses for ${duration.toFixed(1)} ms`);
    this.driver.pause(node);
    this.upSince.delete(node.name);
    this.safety.paused(node.name, this.now, long);
    this.queue.push(this.now + duration, { type: 'resume', node: node.index, life: node.life });
  }

  private resume(node: SimNode, life: number): void {
    const pause = node.pause;
    if (node.life !== life || pause === null) return;
    const localLength = node.clock.localAt(this.now) - pause.startedLocal;
    this.note(`${node.name} resumes after ${localLength.toFixed(1)} ms (its clock)`);
    this.safety.resumed(node.name, localLength);
    this.upSince.set(node.name, this.now);
    this.driver.resume(node);
    this.etcd?.resume(node);
  }

  /** DriverHost: the shell's etcd client carries out the core's wish. */
  etcdWant(node: SimNode, effect: Extract<Effect, { kind: 'etcd-want' }>): void {
    this.etcd?.want(node, effect.resource, effect.want);
  }

  /**
   * The operator runs hastmonctl (or sends a signal) on `node`. A daemon that is down cannot hear
   * it; a stopped one reads it when it runs again.
   */
  private command(node: SimNode, command: Command, downFor: number): void {
    const text = JSON.stringify(command);
    if (node.core === null) return this.note(`operator: ${node.name} is down, ${text} not given`);
    this.note(`operator: ${text} to ${node.name}`);
    if (command.type === 'term') node.downFor = downFor;
    this.driver.receive(node, { input: { kind: 'command', command }, runId: null });
  }

  /** What the shell and the operator do as the core reads a command. */
  private commandRead(node: SimNode, command: Command): void {
    this.exercised.commands++;
    if (command.type === 'term' && !node.terminating) {
      node.terminating = true;
      this.queue.push(this.now + node.downFor, { type: 'term-follow-up', node: node.index, life: node.life });
    }
    if (command.type !== 'clear') return;
    // Clearing a failed stop says the resource is stopped: the operator stops it by hand first.
    for (const resource of [...node.dirty]) {
      if (command.resources !== 'all' && !command.resources.includes(resource)) continue;
      node.dirty.delete(resource);
      this.safety.stopSucceeded(node.name, resource, this.now);
      if (!node.running.delete(resource)) continue;
      this.exercised.clearedByHand++;
      this.note(`operator: stops ${resource} on ${node.name} by hand before clearing it`);
    }
  }

  /**
   * hastmon will not exit while a failed stop may leave a resource running, and says so: the
   * operator does as the log asks, stops it by hand and clears it. Checked again every second.
   */
  private termFollowUp(node: SimNode, life: number): void {
    if (node.life !== life || node.core === null) return;
    this.queue.push(this.now + TERM_FOLLOW_UP_EVERY, { type: 'term-follow-up', node: node.index, life });
    if (node.dirty.size === 0) return;
    this.note(`operator: ${node.name} does not exit after TERM: a stop failed`);
    this.driver.receive(node, { input: { kind: 'command', command: { type: 'clear', resources: [...node.dirty] } }, runId: null });
  }

  /** DriverHost: the core exited. Only TERM asks a node to leave. */
  exited(node: SimNode, code: number): void {
    if (!node.terminating) {
      this.failures.push(`${node.name} exited with code ${code} at ${this.now.toFixed(1)} ms`);
      return;
    }
    // The operator starts it again later (sooner after the heal).
    this.note(`${node.name} exits`);
    this.exercised.exits++;
    this.safety.exited(node.name, this.now);
    this.upSince.delete(node.name);
    const soon = Math.max(this.now, this.faults.calmAt) + this.operator.lateRestart;
    const at = this.calm ? soon : Math.min(this.now + node.downFor, soon);
    this.queue.push(at, { type: 'restart', node: node.index, reboot: false, found: [] });
  }

  /** Chaos ends: pauses over, no new faults, scripts succeed; the network keeps one steady fault. */
  private calmDown(): void {
    this.calm = true;
    this.network.condition = this.faults.steady;
    if (this.etcdFaults !== null) {
      this.etcd?.setCondition(this.etcdFaults.steady);
      this.note(`calm: etcd ${formatEtcdCondition(this.etcdFaults.steady, (i) => this.nodes[i]?.name ?? String(i))}`);
    }
    this.note(`calm: pauses over, no new faults, scripts succeed; network ${formatCondition(this.faults.steady, (i) => this.nodes[i]?.name ?? String(i))}`);
    for (const node of this.nodes) if (node.pause !== null) this.resume(node, node.life);
  }

  private heal(): void {
    if (!this.calm) this.calmDown();
    this.network.condition = HEALTHY_NETWORK;
    this.etcd?.setCondition(HEALTHY_ETCD);
    this.note('heal: network healthy');
  }

  /**
   * During the steady fault: a quorum that hears itself runs every resource (steady-checker.ts).
   * etcd is one more voter there, in touch with the nodes it answers (it is always up: a lost etcd
   * is one that answers nobody). What that promises: a quorum counting etcd needs etcd's key free
   * or its own; a key kept alive by a node outside it is kept by a holder with a quorum of its own
   * (then that holder runs it), or let go by a holder losing its quorum once its stop ends (or runs
   * out a TTL after its last keepalive, no leader change resetting it in the steady fault).
   */
  private steadySample(): void {
    const snapshots = this.snapshots();
    const up = new Set(this.nodes.filter((n) => n.core !== null && n.pause === null).map((n) => n.name));
    const index = new Map(this.nodes.map((n) => [n.name, n.index]));
    const blocked = this.faults.steady.blocked;
    const answered = (name: string): boolean => !this.etcdSteadyCut.has(index.get(name) ?? -1);
    const reaches = (from: string, to: string): boolean => {
      if (from === ETCD_VOTER) return answered(to);
      if (to === ETCD_VOTER) return answered(from);
      return !blocked.has(linkKey(index.get(from) ?? -1, index.get(to) ?? -1));
    };
    if (this.etcd !== null) up.add(ETCD_VOTER);
    for (const spec of this.cluster.resources) {
      if (this.steadyFailed.has(spec.name)) continue;
      const voters = [...spec.members.map((m) => m.node), ...(this.etcd === null ? [] : [ETCD_VOTER])];
      const verdict = judgeSteady(spec.name, snapshots, {
        voters,
        up,
        reaches,
        quorum: standardQuorumSize(voters.length, this.etcd !== null),
        isService: (node) => spec.members.some((m) => m.node === node && m.roleOnStart !== 'watchdog'),
      });
      if (verdict.kind !== 'failing') continue;
      this.steadyFailed.add(spec.name);
      const since = (this.now - this.faults.calmAt).toFixed(0);
      this.failures.push(`${spec.name} during the steady fault, ${since} ms after the calm (bound ${this.steadyBound} ms): ${verdict.why}`);
      this.note(`steady check failed for ${spec.name}: ${verdict.why}`);
    }
  }

  /** DriverHost: the seed's network decides each datagram's fate. */
  deliveries(from: SimNode, to: SimNode): number[] {
    return this.network.deliveries(from.index, to.index);
  }

  /** DriverHost: the seed decides each script's fate; after the heal, scripts succeed promptly. */
  scriptFate(_node: SimNode, effect: RunScript): ScriptFate {
    return drawScriptFate(effect.action, !this.calm, this.faults.scripts, this.scriptRng, this.options.scriptTimes);
  }

  /** DriverHost: never two scripts at once for one resource; starts and stops are claims. */
  scriptStarting(node: SimNode, effect: RunScript): void {
    const busy = [...node.runs.entries()].find(([, run]) => run.resource === effect.resource);
    if (busy !== undefined) {
      this.safety.violations.push({
        at: this.now,
        resource: effect.resource,
        message: `${node.name} ran ${effect.action} while its ${busy[1].action} #${busy[0]} was still running (never two scripts at once)`,
      });
    }
    if (effect.action === 'start') {
      this.safety.beginHold(node.name, effect.resource, this.now, 'start');
      this.starts.push({ at: this.now, node: node.name, resource: effect.resource });
    }
    if (effect.action === 'stop') this.safety.endHold(node.name, effect.resource, this.now);
  }

  /** DriverHost. */
  scriptExited(node: SimNode, run: ActiveRun, code: number | null): void {
    if (run.action === 'stop' && code === 0) this.safety.stopSucceeded(node.name, run.resource, this.now);
  }

  /** DriverHost: what the checkers and the operator learn as the core reads an input. */
  inputRead(node: SimNode, item: QueuedInput, run: ActiveRun | undefined): void {
    const input = item.input;
    if (run?.action === 'probe' && input.kind === 'script-done') {
      const running = input.outcome.code === 0 && !input.outcome.timedOut;
      this.safety.probed(node.name, run.resource, this.now, running);
    }
    if (input.kind === 'command') this.commandRead(node, input.command);
    if (input.kind === 'heartbeat' && item.sentReal !== undefined) this.safety.heard(node.name, input.heartbeat.node, item.sentReal);
  }

  /** DriverHost. */
  beforeStep(): void {
    if (++this.steps > MAX_STEPS) throw new DriverAborted(`run exceeded ${MAX_STEPS} steps`);
  }

  /** DriverHost: a node found RUNNING without having asked for a start adopted the resource: it holds. */
  stateChanged(node: SimNode, core: SimCore, local: number): void {
    if (node.watchdog) return;
    for (const resource of core.view(local).resources) {
      if (resource.state === 'RUNNING' && !this.safety.isClaiming(node.name, resource.name)) {
        this.safety.beginHold(node.name, resource.name, this.now, 'adopt');
        this.exercised.adoptions++;
      }
    }
  }

  /** DriverHost: the first step after a pause matters to the checker; every step is traced. */
  stepped(node: SimNode, core: SimCore, input: Input, local: number, effects: readonly Effect[]): void {
    this.safety.stepped(node.name, this.now);
    for (const e of effects) if (e.kind === 'log' && e.message.includes(': lost quorum')) this.selfFenced(node, e.message);
    const trace = this.options.trace;
    if (trace === undefined) return;
    const described = formatInput(input, (id) => node.actions.get(id) ?? '?');
    const shown = effects.map(formatEffect);
    if (node.core === core && effects.some((e) => e.kind === 'state-changed')) shown.push(`view[${formatView(core.view(local))}]`);
    trace(`${this.now.toFixed(3).padStart(11)} ${node.name} L=${local.toFixed(1)} ${described} => ${shown.join(' ; ') || '-'}`);
  }

  /**
   * A holder stopped for want of endorsements. That is justified only when fewer than a quorum of
   * its voters had been up long enough to vote and renew (a restarted one votes a lease after its
   * start): otherwise something dropped the endorsements of a healthy holder (in a soak, a failure).
   */
  private selfFenced(node: SimNode, message: string): void {
    const resource = message.slice(0, message.indexOf(':'));
    const spec = this.cluster.resources.find((r) => r.name === resource);
    if (spec === undefined) return;
    const t = this.cluster.timing;
    const settledBefore = this.now - (2 * t.lease + t.deadtime);
    // etcd, when a voter, is up all along in a soak (healthy there) and counts as one settled voter.
    const withEtcd = this.etcd !== null;
    const steady = spec.members.filter((m) => (this.upSince.get(m.node) ?? Infinity) <= settledBefore).length + (withEtcd ? 1 : 0);
    const justified = steady < standardQuorumSize(spec.members.length + (withEtcd ? 1 : 0), withEtcd) || this.network.condition.blocked.size > 0;
    this.selfFences.push({ at: this.now, node: node.name, resource, justified });
    if (this.options.soak !== undefined && this.options.selfFenceIsFailure !== false && !justified) {
      this.failures.push(`${node.name} stopped ${resource} at ${this.now.toFixed(1)} ms for want of endorsements, with ${steady} of ${spec.members.length} voters up and settled (${this.network.condition.label})`);
    }
  }

  private outageSample(): void {
    const every = this.cluster.timing.heartbeatInterval / SAMPLES_PER_HEARTBEAT;
    const views = this.snapshots();
    for (const spec of this.cluster.resources) {
      const running = views.some((n) => !n.watchdog && n.view?.resources.some((r) => r.name === spec.name && r.state === 'RUNNING') === true);
      if (!running) this.outageMs += every;
    }
  }

  private snapshots(): NodeSnapshot[] {
    return this.nodes.map((node) => ({
      name: node.name,
      watchdog: node.watchdog,
      view: this.driver.view(node),
      running: node.running,
      dirty: node.dirty,
    }));
  }

  private result(): SimResult {
    const healAt = this.faults.healAt;
    const resources: ResourceOutcome[] = [];
    const failures = [...this.failures];
    if (failures.length === 0) {
      for (const { resource, verdict, settledSince } of this.liveness.results()) {
        const settledAfter = settledSince === null ? null : settledSince - healAt;
        if (verdict.kind === 'ok' && settledAfter !== null && settledAfter <= this.bound) {
          resources.push({ resource, kind: 'ok', settledAfter, detail: `held by ${verdict.holder}` });
        } else if (verdict.kind === 'errored') {
          resources.push({ resource, kind: 'errored', settledAfter: null, detail: verdict.why });
        } else {
          const why = verdict.kind === 'ok' ? `settled only ${settledAfter} ms after the heal` : verdict.why;
          resources.push({ resource, kind: 'failing', settledAfter: null, detail: why });
          failures.push(`${resource} not settled ${this.bound} ms after the heal: ${why}`);
        }
      }
      for (const problem of this.roleProblems) failures.push(`at the end, ${problem}`);
    }
    return {
      seed: this.options.seed,
      safetyViolations: [...this.safety.violations],
      livenessFailures: failures,
      resources,
      closestHandover: this.safety.closestHandover,
      selfFences: [...this.selfFences],
      outageMs: this.outageMs,
      starts: [...this.starts],
      holderActs: [...this.holderActs],
      simulatedMs: this.now,
      steps: this.steps,
      exercised: { ...this.exercised, excusedFoundOverlaps: this.safety.excusedFoundOverlaps },
    };
  }
}

/** etcd's name among the voters the steady check looks at: no node's name has parentheses. */
const ETCD_VOTER = '(etcd)';

/** `lost-some cut=n1,n2 slow<=2000`. */
function formatEtcdCondition(c: { label: string; cut: ReadonlySet<number>; slowMax: number }, nameOf: (index: number) => string): string {
  const cut = c.cut.size > 0 ? ` cut=${[...c.cut].map(nameOf).join(',')}` : '';
  return `${c.label}${cut}${c.slowMax > 0 ? ` slow<=${c.slowMax}` : ''}`;
}

/** After the steady bound, the check goes on for at least this long before the heal. */
const STEADY_CONFIRM_MS = 1000;

export function steadyBoundOf(timing: Timing): number {
  return STEADY_BOUND.leases * timing.lease + STEADY_BOUND.heartbeats * timing.heartbeatInterval;
}

/** One seeded run with the given core. */
export function simulate(options: SimOptions, factory: CoreFactory): SimResult {
  return new Simulation(options, factory).run();
}
