// The discrete-event simulation of one seeded run: N service nodes and W watchdogs, each a core
// on its own drifting clock, a faulty network, fake scripts, crashes, restarts and pauses; then a
// healed phase in which the cluster must settle. Every fault and every timing comes from the seed.
//
// The engine plays the shell's part for each node: it feeds the core ticks, heartbeats and script
// results at the node's local time, and carries out the effects. It takes any core through a
// factory, so tests can run a weakened one.

import { DriftingClock } from './clock.js';
import { coreConfigFor, planCluster, type ClusterPlan } from './cluster.js';
import { EventQueue } from './event-queue.js';
import { drawScriptFate } from './fake-scripts.js';
import { HEALTHY_NETWORK, planFaults, type ClockSpec, type FaultPlan, type NetworkCondition } from './faults.js';
import { LivenessTracker, type NodeSnapshot } from './liveness-checker.js';
import { copyHeartbeat, SimNetwork } from './network.js';
import { Prng } from './prng.js';
import { SafetyChecker, type SafetyViolation } from './safety-checker.js';
import { newSimNode, type ActiveRun, type QueuedInput, type SimNode } from './sim-node.js';
import type { CoreFactory, SimCore } from './sim-core.js';
import { formatCondition, formatEffect, formatInput, formatView } from './trace-format.js';
import type { Effect, Heartbeat, Input } from '../core/types.js';

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
  /** Heartbeat intervals after the heal by which every resource must have settled. */
  livenessBound?: number;
  /** Receives one line per step and per fault. */
  trace?: (line: string) => void;
}

export interface ResourceOutcome {
  resource: string;
  kind: 'ok' | 'errored' | 'failing';
  /** ms after the heal when it settled for good (ok only). */
  settledAfter: number | null;
  detail: string;
}

export interface SimResult {
  seed: number;
  safetyViolations: SafetyViolation[];
  /** Liveness failures, and anything that stopped the run (a core that threw, a busy loop). */
  livenessFailures: string[];
  resources: ResourceOutcome[];
  /** Smallest time between a node beginning to stop and another beginning to start, ms. */
  closestHandover: number;
  simulatedMs: number;
  steps: number;
}

export const DEFAULT_LIVENESS_BOUND = 40;
/** After the bound, the verdict must hold for a little longer to count as settled. */
const CONFIRM_HEARTBEATS = 5;
const SAMPLES_PER_HEARTBEAT = 4;
const MAX_STEPS = 3_000_000;
/** A core asking for a tick "now" this many times at one instant is looping. */
const MAX_STEPS_AT_ONE_INSTANT = 10_000;
const WALL_CLOCK_AT_ZERO = 1_700_000_000_000;

type SimEvent =
  | { type: 'boot'; node: number }
  | { type: 'wake'; node: number; token: number }
  | { type: 'deliver'; node: number; heartbeat: Heartbeat }
  | { type: 'script-exit'; node: number; life: number; runId: number }
  | { type: 'script-effect'; node: number; life: number; runId: number }
  | { type: 'network'; condition: NetworkCondition }
  | { type: 'crash'; node: number }
  | { type: 'restart'; node: number }
  | { type: 'pause'; node: number; duration: number }
  | { type: 'resume'; node: number; life: number }
  | { type: 'death'; node: number; resource: string }
  | { type: 'heal' }
  | { type: 'sample' }
  | { type: 'end' };

class RunAborted extends Error {}

class Simulation {
  private readonly queue = new EventQueue<SimEvent>();
  private readonly cluster: ClusterPlan;
  private readonly faults: FaultPlan;
  private readonly network: SimNetwork;
  private readonly scriptRng: Prng;
  private readonly restartRng: Prng;
  private readonly nodes: SimNode[];
  private readonly safety: SafetyChecker;
  private readonly liveness: LivenessTracker;
  private readonly failures: string[] = [];
  private readonly bound: number;
  private now = 0;
  private steps = 0;
  private healed = false;
  private ended = false;

  constructor(
    private readonly options: SimOptions,
    private readonly factory: CoreFactory,
  ) {
    const root = new Prng(options.seed);
    const clusterRng = root.fork();
    const faultRng = root.fork();
    this.network = new SimNetwork(root.fork());
    this.scriptRng = root.fork();
    this.restartRng = root.fork();
    this.cluster = planCluster(
      { nodes: options.nodes ?? 2, watchdogs: options.watchdogs ?? 1, resources: options.resources ?? 2 },
      clusterRng,
    );
    this.faults = planFaults(
      this.cluster,
      { longPauses: options.longPauses ?? false, stopFailures: options.stopFailures ?? false },
      faultRng,
    );
    this.nodes = this.cluster.nodes.map((spec, index) => newSimNode(index, spec, this.faults.clocks[index] as ClockSpec));
    const timing = this.cluster.timing;
    this.safety = new SafetyChecker(timing.guard, timing.lease);
    this.liveness = new LivenessTracker(this.cluster.resources.map((r) => r.name));
    this.bound = (options.livenessBound ?? DEFAULT_LIVENESS_BOUND) * timing.heartbeatInterval;
  }

  run(): SimResult {
    this.schedulePlan();
    try {
      for (let event = this.queue.pop(); event !== undefined && !this.ended; event = this.queue.pop()) {
        this.now = event.at;
        this.dispatch(event.event);
      }
    } catch (error) {
      if (!(error instanceof RunAborted)) throw error;
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
    }
    f.bootAt.forEach((at, node) => this.queue.push(at, { type: 'boot', node }));
    for (const { at, condition } of f.network) this.queue.push(at, { type: 'network', condition });
    for (const c of f.crashes) {
      this.queue.push(c.at, { type: 'crash', node: c.node });
      this.queue.push(c.restartAt, { type: 'restart', node: c.node });
    }
    for (const p of f.pauses) this.queue.push(p.at, { type: 'pause', node: p.node, duration: p.duration });
    for (const d of f.deaths) this.queue.push(d.at, { type: 'death', node: d.node, resource: d.resource });
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
        return this.startNode(node);
      }
      case 'wake': {
        const node = this.node(event.node);
        if (event.token !== node.wakeToken || node.core === null) return;
        node.wakeAt = NaN;
        // A paused node gets its tick when it resumes.
        if (node.pause !== null) return;
        return this.step(node, { kind: 'tick' });
      }
      case 'deliver': {
        const node = this.node(event.node);
        if (node.core === null) return;
        return this.receive(node, { input: { kind: 'heartbeat', heartbeat: event.heartbeat }, runId: null });
      }
      case 'script-exit':
        return this.scriptExited(event.node, event.life, event.runId);
      case 'script-effect': {
        const node = this.node(event.node);
        const run = node.runs.get(event.runId);
        if (node.life !== event.life || run === undefined) return;
        if (run.action === 'start') node.running.add(run.resource);
        if (run.action === 'stop') node.running.delete(run.resource);
        return;
      }
      case 'network':
        if (this.healed) return;
        this.network.condition = event.condition;
        return this.note(`network ${formatCondition(event.condition, (i) => this.nodes[i]?.name ?? String(i))}`);
      case 'crash':
        return this.crash(this.node(event.node));
      case 'restart': {
        const node = this.node(event.node);
        // A crash planned before the machine first booted did nothing; nor does its restart.
        if (!node.booted || node.core !== null) return;
        this.maybeReboot(node);
        return this.startNode(node);
      }
      case 'pause':
        return this.pause(this.node(event.node), event.duration);
      case 'resume':
        return this.resume(this.node(event.node), event.life);
      case 'death': {
        const node = this.node(event.node);
        if (this.healed || !node.running.delete(event.resource)) return;
        return this.note(`${node.name}: ${event.resource} dies`);
      }
      case 'heal':
        return this.heal();
      case 'sample':
        return this.liveness.sample(this.now, this.snapshots());
      case 'end':
        this.ended = true;
        return;
    }
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
    node.life++;
    node.actions.clear();
    node.runs.clear();
    node.incarnation = Math.max(node.incarnation + 1, Math.floor(WALL_CLOCK_AT_ZERO + this.now));
    node.lastLocal = node.clock.localAt(this.now);
    node.stepsAtInstant = 0;
    this.note(`${node.name} starts, incarnation ${node.incarnation}, clock ${node.lastLocal.toFixed(1)}`);
    const config = coreConfigFor(this.cluster, node.name);
    node.core = this.guarded(node, () => this.factory(config, { now: node.lastLocal, incarnation: node.incarnation }));
    this.step(node, { kind: 'tick' });
  }

  /** A machine crash: the process and every script vanish, and the services with them. */
  private crash(node: SimNode): void {
    if (node.core === null) return;
    this.note(`${node.name} crashes`);
    node.core = null;
    node.life++;
    node.wakeToken++;
    node.pause = null;
    node.runs.clear();
    node.running.clear();
    node.dirty.clear();
    this.safety.crashed(node.name, this.now);
  }

  /** Half the restarts are reboots: the monotonic clock starts again from near zero. */
  private maybeReboot(node: SimNode): void {
    if (!this.restartRng.chance(0.5)) return;
    const local = this.restartRng.range(5000, 60_000);
    node.clock = new DriftingClock(local - node.clock.rate * this.now, node.clock.rate);
  }

  private pause(node: SimNode, duration: number): void {
    if (node.core === null || node.pause !== null || this.healed) return;
    const long = duration >= this.cluster.timing.guard;
    this.note(`${node.name} pauses for ${duration.toFixed(1)} ms`);
    node.pause = { inbox: [], startedLocal: node.clock.localAt(this.now) };
    this.safety.paused(node.name, this.now, long);
    this.queue.push(this.now + duration, { type: 'resume', node: node.index, life: node.life });
  }

  /** Like an event loop after SIGCONT: due timers first, then what queued up, in order. */
  private resume(node: SimNode, life: number): void {
    const pause = node.pause;
    if (node.life !== life || pause === null) return;
    node.pause = null;
    const localLength = node.clock.localAt(this.now) - pause.startedLocal;
    this.note(`${node.name} resumes after ${localLength.toFixed(1)} ms (its clock)`);
    this.safety.resumed(node.name, localLength);
    this.step(node, { kind: 'tick' });
    for (const item of pause.inbox) {
      if (node.life !== life) return;
      this.deliverInput(node, item);
    }
  }

  private heal(): void {
    this.healed = true;
    this.network.condition = HEALTHY_NETWORK;
    this.note('heal: network healthy, pauses over, no new faults, scripts succeed');
    for (const node of this.nodes) if (node.pause !== null) this.resume(node, node.life);
  }

  private receive(node: SimNode, item: QueuedInput): void {
    if (node.pause !== null) {
      node.pause.inbox.push(item);
      return;
    }
    this.deliverInput(node, item);
  }

  private deliverInput(node: SimNode, item: QueuedInput): void {
    if (item.runId !== null) {
      const run = node.runs.get(item.runId);
      // Killed by the core before the shell read its result: never reported.
      if (run === undefined) return;
      node.runs.delete(item.runId);
      if (run.action === 'stop' && item.input.kind === 'script-done') {
        const ok = item.input.outcome.code === 0;
        if (ok) node.dirty.delete(run.resource);
        else node.dirty.add(run.resource);
      }
    }
    this.step(node, item.input);
  }

  private scriptExited(index: number, life: number, runId: number): void {
    const node = this.node(index);
    const run = node.runs.get(runId);
    if (node.life !== life || run === undefined) return;
    const timedOut = run.timesOut;
    let code: number | null;
    if (timedOut) code = null;
    else if (run.fate.code === 'state') code = node.running.has(run.resource) ? 0 : 1;
    else code = run.fate.code;
    if (run.action === 'stop' && code === 0) this.safety.stopSucceeded(node.name, run.resource, this.now);
    const input: Input = { kind: 'script-done', resource: run.resource, runId, outcome: { code, timedOut } };
    this.receive(node, { input, runId });
  }

  private step(node: SimNode, input: Input): void {
    const core = node.core;
    if (core === null) return;
    if (++this.steps > MAX_STEPS) this.abort(`run exceeded ${MAX_STEPS} steps`);
    if (this.now === node.instant) {
      if (++node.stepsAtInstant > MAX_STEPS_AT_ONE_INSTANT) {
        this.abort(`${node.name} was stepped ${MAX_STEPS_AT_ONE_INSTANT} times at one instant (nextWakeAt keeps asking for now)`);
      }
    } else {
      node.instant = this.now;
      node.stepsAtInstant = 0;
    }
    const local = Math.max(node.clock.localAt(this.now), node.lastLocal);
    node.lastLocal = local;
    const effects = this.guarded(node, () => core.step(local, input));
    const trace = this.options.trace;
    const described = trace === undefined ? '' : formatInput(input, (id) => this.describeRun(node, id));
    let stateChanged = false;
    for (const effect of effects) {
      if (node.core !== core) break; // exited
      if (effect.kind === 'state-changed') stateChanged = true;
      this.carryOut(node, effect);
    }
    if (node.core === core) {
      if (stateChanged) this.checkAdoption(node, core, local);
      this.scheduleWake(node, core);
    }
    this.safety.stepped(node.name, this.now);
    if (trace !== undefined) {
      const shown = effects.map(formatEffect);
      if (stateChanged && node.core === core) shown.push(`view[${formatView(core.view(local))}]`);
      trace(`${this.now.toFixed(3).padStart(11)} ${node.name} L=${local.toFixed(1)} ${described} => ${shown.join(' ; ') || '-'}`);
    }
  }

  private describeRun(node: SimNode, runId: number): string {
    return node.actions.get(runId) ?? '?';
  }

  private carryOut(node: SimNode, effect: Effect): void {
    switch (effect.kind) {
      case 'send':
        return this.broadcast(node, effect.heartbeat);
      case 'run-script':
        return this.runScript(node, effect);
      case 'kill-script': {
        // The shell kills the whole process group now; whatever it did so far stays done.
        node.runs.delete(effect.runId);
        return;
      }
      case 'state-changed':
      case 'log':
        return;
      case 'exit':
        // Nothing in a random run asks a node to leave.
        this.failures.push(`${node.name} exited with code ${effect.code} at ${this.now.toFixed(1)} ms`);
        node.core = null;
        node.life++;
        node.wakeToken++;
        node.runs.clear();
        return;
    }
  }

  private runScript(node: SimNode, effect: Extract<Effect, { kind: 'run-script' }>): void {
    const busy = [...node.runs.entries()].find(([, run]) => run.resource === effect.resource);
    if (busy !== undefined) {
      this.safety.violations.push({
        at: this.now,
        resource: effect.resource,
        message: `${node.name} ran ${effect.action} while its ${busy[1].action} #${busy[0]} was still running (never two scripts at once)`,
      });
    }
    if (effect.action === 'start') this.safety.beginHold(node.name, effect.resource, this.now, 'start');
    if (effect.action === 'stop') this.safety.endHold(node.name, effect.resource, this.now);
    const fate = drawScriptFate(effect.action, !this.healed, this.faults.scripts, this.scriptRng);
    const timeout = node.clock.realDuration(effect.timeoutMs);
    const run: ActiveRun = {
      resource: effect.resource,
      action: effect.action,
      fate,
      timesOut: fate.duration >= timeout,
    };
    node.runs.set(effect.runId, run);
    if (this.options.trace !== undefined) node.actions.set(effect.runId, effect.action);
    const exitAfter = Math.min(fate.duration, timeout);
    this.queue.push(this.now + exitAfter, { type: 'script-exit', node: node.index, life: node.life, runId: effect.runId });
    if (fate.effectAt !== null && fate.effectAt < exitAfter) {
      this.queue.push(this.now + fate.effectAt, { type: 'script-effect', node: node.index, life: node.life, runId: effect.runId });
    }
  }

  /** A node found RUNNING without having asked for a start adopted the resource: it holds. */
  private checkAdoption(node: SimNode, core: SimCore, local: number): void {
    if (node.watchdog) return;
    for (const resource of core.view(local).resources) {
      if (resource.state === 'RUNNING' && !this.safety.isHolding(node.name, resource.name)) {
        this.safety.beginHold(node.name, resource.name, this.now, 'adopt');
      }
    }
  }

  private scheduleWake(node: SimNode, core: SimCore): void {
    const wantLocal = core.nextWakeAt();
    if (!Number.isFinite(wantLocal)) {
      node.wakeToken++;
      node.wakeAt = NaN;
      return;
    }
    const at = node.clock.realWhen(wantLocal, this.now);
    if (at === node.wakeAt) return;
    node.wakeToken++;
    node.wakeAt = at;
    this.queue.push(at, { type: 'wake', node: node.index, token: node.wakeToken });
  }

  /**
   * Every other node gets its own copy, or none, or two, each after its own delay. Copies, as
   * the wire would make: what the sender does later with its object, or a receiver with its
   * own, touches nobody else.
   */
  private broadcast(from: SimNode, heartbeat: Heartbeat): void {
    for (const to of this.nodes) {
      if (to === from) continue;
      for (const delay of this.network.deliveries(from.index, to.index)) {
        this.queue.push(this.now + delay, { type: 'deliver', node: to.index, heartbeat: copyHeartbeat(heartbeat) });
      }
    }
  }

  private snapshots(): NodeSnapshot[] {
    return this.nodes.map((node) => ({
      name: node.name,
      watchdog: node.watchdog,
      view: node.core === null ? null : this.guarded(node, () => node.core?.view(Math.max(node.lastLocal, node.clock.localAt(this.now))) ?? null),
      running: node.running,
      dirty: node.dirty,
    }));
  }

  private guarded<T>(node: SimNode, call: () => T): T {
    try {
      return call();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return this.abort(`${node.name}'s core threw at ${this.now.toFixed(1)} ms: ${message}`);
    }
  }

  private abort(reason: string): never {
    this.failures.push(reason);
    this.note(`aborted: ${reason}`);
    throw new RunAborted(reason);
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
    }
    return {
      seed: this.options.seed,
      safetyViolations: [...this.safety.violations],
      livenessFailures: failures,
      resources,
      closestHandover: this.safety.closestHandover,
      simulatedMs: this.now,
      steps: this.steps,
    };
  }
}

/** One seeded run with the given core. */
export function simulate(options: SimOptions, factory: CoreFactory): SimResult {
  return new Simulation(options, factory).run();
}
