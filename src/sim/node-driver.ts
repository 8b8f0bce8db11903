// The shell's part for simulated nodes, as src/daemon.ts plays it for a real one: feed each core
// ticks, heartbeats, script results and commands at the node's local time, and carry out its
// effects against fakes (a network, scripts that flip a "running" flag). The seeded simulator and
// the scenario harness both drive their nodes through it. What differs between them comes in
// through a DriverHost: how the network treats a datagram, how a script run goes, and what each
// one checks, counts or traces along the way.

import { copyHeartbeat } from './network.js';
import type { ScriptFate } from './fake-scripts.js';
import type { ActiveRun, QueuedInput, SimNode } from './sim-node.js';
import type { CoreFactory, SimCore } from './sim-core.js';
import type { CoreConfig, Effect, Heartbeat, Input } from '../core/types.js';

/** The events the driver schedules for itself, in simulated real time. */
export type DriverEvent =
  | { type: 'wake'; node: number; token: number }
  | { type: 'deliver'; node: number; heartbeat: Heartbeat; sentReal: number }
  | { type: 'script-exit'; node: number; life: number; runId: number }
  | { type: 'script-effect'; node: number; life: number; runId: number };

export interface Scheduler<E> {
  push(at: number, event: E): void;
}

export type RunScript = Extract<Effect, { kind: 'run-script' }>;

/** What the owner of the nodes decides, and what it wants to hear about. */
export interface DriverHost {
  /** Real-time delays of the copies of one datagram from `from` that reach `to`; [] if lost. */
  deliveries(from: SimNode, to: SimNode): number[];
  /** How a script run goes: its duration, exit code and effect on the resource. */
  scriptFate(node: SimNode, effect: RunScript): ScriptFate;
  /** Before each step: a place to stop a run that went on too long. */
  beforeStep?(node: SimNode): void;
  /** A new core is about to start on `node` (its local time and incarnation are set). */
  starting?(node: SimNode): void;
  /** The core asked for a script run, before it begins. */
  scriptStarting?(node: SimNode, effect: RunScript): void;
  /** The core killed a run it had asked for. */
  scriptKilled?(node: SimNode, runId: number): void;
  /** A run exited with `code` (null: killed at its timeout); its result is on its way to the core. */
  scriptExited?(node: SimNode, run: ActiveRun, code: number | null): void;
  log?(node: SimNode, effect: Extract<Effect, { kind: 'log' }>): void;
  /** A change the core reported for the operator's timeline (hastmonctl events). */
  event?(node: SimNode, effect: Extract<Effect, { kind: 'event' }>): void;
  /** The core reads `item` next (`run`: the script run it reports, if any). */
  inputRead?(node: SimNode, item: QueuedInput, run: ActiveRun | undefined): void;
  /** The core reported a change of state (the daemon writes its state file then). */
  stateChanged?(node: SimNode, core: SimCore, local: number): void;
  /** After each step; `core` is gone from the node if the step ended in an exit. */
  stepped?(node: SimNode, core: SimCore, input: Input, local: number, effects: readonly Effect[]): void;
  /** The core asked to exit: the process is gone. */
  exited?(node: SimNode, code: number): void;
  /** The core's wish about a resource's etcd key changed (the shell's etcd client carries it out). */
  etcdWant?(node: SimNode, effect: Extract<Effect, { kind: 'etcd-want' }>): void;
}

/** A run the driver cannot go on with: a core that threw, or one that keeps asking for "now". */
export class DriverAborted extends Error {}

/** A core asking for a tick "now" this many times at one instant is looping. */
const MAX_STEPS_AT_ONE_INSTANT = 10_000;

export class NodeDriver {
  constructor(
    private readonly nodes: readonly SimNode[],
    private readonly queue: Scheduler<DriverEvent>,
    private readonly clock: () => number,
    private readonly factory: CoreFactory,
    private readonly host: DriverHost,
  ) {}

  private get now(): number {
    return this.clock();
  }

  handle(event: DriverEvent): void {
    switch (event.type) {
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
        return this.receive(node, { input: { kind: 'heartbeat', heartbeat: event.heartbeat }, runId: null, sentReal: event.sentReal });
      }
      case 'script-exit':
        return this.scriptExited(this.node(event.node), event.life, event.runId);
      case 'script-effect': {
        const node = this.node(event.node);
        const run = node.runs.get(event.runId);
        if (node.life !== event.life || run === undefined) return;
        if (run.action === 'start') node.running.add(run.resource);
        if (run.action === 'stop') node.running.delete(run.resource);
        return;
      }
    }
  }

  /** hastmon starts on `node`: a new life, a new core, and its first tick at once. */
  start(node: SimNode, config: CoreConfig, incarnation: number): void {
    node.life++;
    node.actions.clear();
    node.runs.clear();
    node.incarnation = incarnation;
    node.lastLocal = node.clock.localAt(this.now);
    node.stepsAtInstant = 0;
    this.host.starting?.(node);
    node.core = this.call(node, () => this.factory(config, { now: node.lastLocal, incarnation: node.incarnation }));
    this.step(node, { kind: 'tick' });
  }

  /** The machine goes down: the process and every script vanish, and the services with them. */
  crash(node: SimNode): void {
    this.endProcess(node);
    node.running.clear();
    node.dirty.clear();
  }

  /** Only the process dies (kill -9): what it started keeps running. */
  kill(node: SimNode): void {
    this.endProcess(node);
  }

  /** The process stops (SIGSTOP): what reaches it waits, in order, until it resumes. */
  pause(node: SimNode): void {
    node.pause = { inbox: [], startedLocal: node.clock.localAt(this.now) };
  }

  /** Like an event loop after SIGCONT: due timers first, then what queued up, in order. */
  resume(node: SimNode): void {
    const pause = node.pause;
    if (pause === null) return;
    node.pause = null;
    const life = node.life;
    this.step(node, { kind: 'tick' });
    for (const item of pause.inbox) {
      if (node.life !== life) return;
      this.deliverInput(node, item);
    }
  }

  /** An input for the core of `node`: read now, or queued while the process is paused. */
  receive(node: SimNode, item: QueuedInput): void {
    if (node.pause !== null) {
      node.pause.inbox.push(item);
      return;
    }
    this.deliverInput(node, item);
  }

  /** The node's view at its current local time, or null while hastmon is down. */
  view(node: SimNode): ReturnType<SimCore['view']> | null {
    const core = node.core;
    if (core === null) return null;
    return this.call(node, () => core.view(Math.max(node.lastLocal, node.clock.localAt(this.now))));
  }

  private deliverInput(node: SimNode, item: QueuedInput): void {
    const input = item.input;
    let run: ActiveRun | undefined;
    if (item.runId !== null) {
      run = node.runs.get(item.runId);
      // Killed by the core before the shell read its result: never reported.
      if (run === undefined) return;
      node.runs.delete(item.runId);
      if (run.action === 'stop' && input.kind === 'script-done') {
        if (input.outcome.code === 0) node.dirty.delete(run.resource);
        else node.dirty.add(run.resource);
      }
    }
    this.host.inputRead?.(node, item, run);
    this.step(node, input);
  }

  private scriptExited(node: SimNode, life: number, runId: number): void {
    const run = node.runs.get(runId);
    if (node.life !== life || run === undefined) return;
    const timedOut = run.timesOut;
    let code: number | null;
    if (timedOut) code = null;
    else if (run.fate.code === 'state') code = node.running.has(run.resource) ? 0 : 1;
    else code = run.fate.code;
    this.host.scriptExited?.(node, run, code);
    this.receive(node, { input: { kind: 'script-done', resource: run.resource, runId, outcome: { code, timedOut } }, runId });
  }

  private step(node: SimNode, input: Input): void {
    const core = node.core;
    if (core === null) return;
    this.host.beforeStep?.(node);
    if (this.now === node.instant) {
      if (++node.stepsAtInstant > MAX_STEPS_AT_ONE_INSTANT) {
        throw new DriverAborted(`${node.name} was stepped ${MAX_STEPS_AT_ONE_INSTANT} times at one instant (nextWakeAt keeps asking for now)`);
      }
    } else {
      node.instant = this.now;
      node.stepsAtInstant = 0;
    }
    const local = this.localNow(node);
    const effects = this.call(node, () => core.step(local, input));
    this.carryOutAll(node, core, local, effects);
    this.host.stepped?.(node, core, input, local, effects);
  }

  /** `hastmonctl reload` on `node`: the refusal message, or undefined once the effects are carried out. */
  reconfigure(node: SimNode, config: CoreConfig): string | undefined {
    const core = node.core;
    if (core === null) throw new Error(`${node.name} is down: nothing to reload`);
    const local = this.localNow(node);
    const result = this.call(node, () => core.reconfigure(local, config));
    if (!result.ok) return result.message;
    this.carryOutAll(node, core, local, result.effects);
    return undefined;
  }

  /** The local time to give the core now: its clock, never going back. */
  private localNow(node: SimNode): number {
    node.lastLocal = Math.max(node.clock.localAt(this.now), node.lastLocal);
    return node.lastLocal;
  }

  private carryOutAll(node: SimNode, core: SimCore, local: number, effects: readonly Effect[]): void {
    let stateChanged = false;
    for (const effect of effects) {
      if (node.core !== core) break; // exited
      if (effect.kind === 'state-changed') stateChanged = true;
      this.carryOut(node, effect);
    }
    if (node.core === core) {
      if (stateChanged) this.host.stateChanged?.(node, core, local);
      this.scheduleWake(node, core);
    }
  }

  private carryOut(node: SimNode, effect: Effect): void {
    switch (effect.kind) {
      case 'send':
        return this.broadcast(node, effect.heartbeat);
      case 'run-script':
        return this.runScript(node, effect);
      case 'kill-script':
        // The shell kills the whole process group now; whatever it did so far stays done.
        this.host.scriptKilled?.(node, effect.runId);
        node.runs.delete(effect.runId);
        return;
      case 'state-changed':
        return;
      case 'event':
        return this.host.event?.(node, effect);
      case 'log':
        return this.host.log?.(node, effect);
      case 'exit':
        this.endProcess(node);
        return this.host.exited?.(node, effect.code);
      case 'etcd-want':
        return this.host.etcdWant?.(node, effect);
    }
  }

  private runScript(node: SimNode, effect: RunScript): void {
    this.host.scriptStarting?.(node, effect);
    const fate = this.host.scriptFate(node, effect);
    const timeout = node.clock.realDuration(effect.timeoutMs);
    node.runs.set(effect.runId, { resource: effect.resource, action: effect.action, fate, timesOut: fate.duration >= timeout });
    node.actions.set(effect.runId, effect.action);
    const exitAfter = Math.min(fate.duration, timeout);
    // An effect landing as the script exits is queued first, so that it is there when the core reads the result.
    if (fate.effectAt !== null && fate.effectAt <= exitAfter) {
      this.queue.push(this.now + fate.effectAt, { type: 'script-effect', node: node.index, life: node.life, runId: effect.runId });
    }
    this.queue.push(this.now + exitAfter, { type: 'script-exit', node: node.index, life: node.life, runId: effect.runId });
  }

  private scheduleWake(node: SimNode, core: SimCore): void {
    const wantLocal = this.call(node, () => core.nextWakeAt());
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
      for (const delay of this.host.deliveries(from, to)) {
        this.queue.push(this.now + delay, { type: 'deliver', node: to.index, heartbeat: copyHeartbeat(heartbeat), sentReal: this.now });
      }
    }
  }

  /** The process is gone: its core, its timers, its scripts' results, any pause. */
  private endProcess(node: SimNode): void {
    node.core = null;
    node.life++;
    node.wakeToken++;
    node.pause = null;
    node.runs.clear();
  }

  /** Every call into a core: one that throws ends the run, naming the node, the time and the error. */
  private call<T>(node: SimNode, call: () => T): T {
    try {
      return call();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new DriverAborted(`${node.name}'s core threw at ${this.now.toFixed(1)} ms: ${message}`, { cause: error });
    }
  }

  private node(index: number): SimNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index}`);
    return node;
  }
}
