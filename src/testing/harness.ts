// A small deterministic cluster for scenario tests of the core: one shared clock, a network that
// delivers every datagram after 1 ms unless a link is cut, and scripts whose outcome each test
// decides. Nodes are driven by the simulator's NodeDriver, as in a seeded run, without the faults:
// no loss, no drift, pauses only when a test asks for one.
//
// What happens is kept in `trace`, one line each, `TIME NODE WHAT`:
//   run ACTION RES [ARGS]      the core asked for a script run
//   ACTION RES exited N        a run ended (or: timed out)
//   kill ACTION RES            the core killed a run
//   RES OLD -> NEW             the node's state for the resource changed (`RES is NEW` at first)
//   RES holder A -> B: WHY     the holder the node sees changed ('none' for nobody), and why
//   LEVEL: MESSAGE             a log line of the core (debug left out)
//   exit N                     the core asked to exit
//   etcd-want RES yes|no       the core's wish to own the resource's etcd key changed

import { EventQueue } from '../sim/event-queue.js';
import type { ScriptFate } from '../sim/fake-scripts.js';
import { DriverAborted, NodeDriver, type DriverEvent, type DriverHost, type RunScript } from '../sim/node-driver.js';
import { realCore } from '../sim/run-simulation.js';
import type { CoreFactory } from '../sim/sim-core.js';
import { newSimNode, type ActiveRun, type SimNode } from '../sim/sim-node.js';
import type { Command, CoreConfig, Effect, EtcdClaim, ResourceState, ResourceView, ScriptAction } from '../core/types.js';

/** How one script run goes: how long it takes, and how it ends. */
export interface ScriptResult {
  ms: number;
  /** An exit code; 'hang': runs until its timeout kills it; 'truth': exit 0 if the resource runs there, else 1. */
  exit: number | 'hang' | 'truth';
}

/** Decides a run's result; undefined for the default (10 ms; probe and monitor tell the truth, the rest succeed). */
export type ScriptBehaviour = (node: string, resource: string, action: ScriptAction, args: readonly string[]) => ScriptResult | undefined;

const DELIVERY_MS = 1;
export const DEFAULT_SCRIPT_MS = 10;
/** `until` gives up after this many events without the condition holding. */
const MAX_EVENTS = 10_000_000;

export class Harness implements DriverHost {
  now = 0;
  readonly trace: string[] = [];
  private readonly queue = new EventQueue<DriverEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly driver: NodeDriver;
  /** Each node's configuration, as last loaded. */
  private readonly configs = new Map<string, CoreConfig>();
  /** `from>to` links that deliver nothing. */
  private readonly cut = new Set<string>();
  private behaviour: ScriptBehaviour = () => undefined;
  /** Called after every event the clock passes, to watch the cluster as it goes. */
  private watcher: () => void = () => undefined;
  /** `node resource` -> the wish last told and when the key was last renewed (etcdKeepalive). */
  private readonly keepalives = new Map<string, { node: string; resource: string; countsFor: number; every: number; want: boolean; renewedAt: number }>();
  /** The last state each node reported per resource, to trace the changes. */
  private readonly states = new Map<string, Map<string, ResourceState>>();

  constructor(configs: readonly CoreConfig[] = [], factory: CoreFactory = realCore) {
    this.driver = new NodeDriver(this.nodes, this.queue, () => this.now, factory, this);
    for (const config of configs) this.addNode(config);
  }

  /** A machine with hastmon configured on it, booted now unless told otherwise. */
  addNode(config: CoreConfig, boot = true): void {
    if (this.configs.has(config.node)) throw new Error(`node ${config.node} exists already`);
    this.configs.set(config.node, config);
    const watchdog = config.resources.every((r) => r.members.find((m) => m.node === config.node)?.roleOnStart === 'watchdog');
    this.nodes.push(newSimNode(this.nodes.length, { name: config.node, watchdog }, { offset: 0, rate: 1 }));
    if (boot) this.boot(config.node);
  }

  /** hastmon starts on the node: its first boot, or a restart after a crash, a kill or an exit. */
  boot(name: string): void {
    const node = this.node(name);
    if (node.core !== null) throw new Error(`${name} is running already`);
    node.booted = true;
    this.states.set(name, new Map());
    const config = this.configs.get(name);
    if (config === undefined) throw new Error(`no configuration for ${name}`);
    // A restart reads the configuration as last reloaded; each daemon parses its own copy.
    this.driver.start(node, structuredClone(config), node.incarnation + 1);
  }

  /** The resource runs on `name` without hastmon having started it (a boot script, an operator). */
  startServiceOn(name: string, resource: string): void {
    this.node(name).running.add(resource);
  }

  watch(watcher: () => void): void {
    this.watcher = watcher;
  }

  /** Decide script results from now on. */
  scriptsBehave(behaviour: ScriptBehaviour): void {
    this.behaviour = behaviour;
  }

  /** The node dies with its machine: its resources stop too. */
  crash(name: string): void {
    this.driver.crash(this.node(name));
  }

  /** Only the daemon dies (kill -9): whatever it started keeps running. */
  killDaemon(name: string): void {
    this.driver.kill(this.node(name));
  }

  /** The process stops (SIGSTOP): it neither acts nor reads; what is sent to it waits. */
  pause(name: string): void {
    this.driver.pause(this.live(name));
  }

  /** The paused process runs again: its clock has moved on, and it is stepped at once. */
  resume(name: string): void {
    this.driver.resume(this.live(name));
  }

  /** Cut the link from `a` to `b` (one way), or both ways. */
  cutLink(a: string, b: string, bothWays = true): void {
    this.cut.add(`${a}>${b}`);
    if (bothWays) this.cut.add(`${b}>${a}`);
  }

  isolate(name: string): void {
    for (const other of this.nodes) if (other.name !== name) this.cutLink(name, other.name);
  }

  heal(): void {
    this.cut.clear();
  }

  /** A signal or a hastmonctl command, read by the node's core at once. */
  command(name: string, command: Command): void {
    this.driver.receive(this.live(name), { input: { kind: 'command', command }, runId: null });
  }

  /** hastmonctl reload on one node; returns the refusal message, if any. */
  reload(name: string, config: CoreConfig): string | undefined {
    const refused = this.driver.reconfigure(this.live(name), config);
    if (refused === undefined) this.configs.set(name, config);
    return refused;
  }

  /** The shell's news of a resource's etcd key, read by the node's core at once. */
  etcdClaim(name: string, resource: string, claim: EtcdClaim): void {
    this.driver.receive(this.live(name), { input: { kind: 'etcd', resource, claim }, runId: null });
  }

  /**
   * A shell whose keepalives succeed: `ours` now, and again every `every` ms while the node wishes to
   * own the key (each counting `countsFor` from its send time), until another claim is given or
   * hastmon stops there. Renewed as events pass, so at most a heartbeat late.
   */
  etcdKeepalive(name: string, resource: string, countsFor: number, every: number): void {
    this.keepalives.set(`${name} ${resource}`, { node: name, resource, countsFor, every, want: true, renewedAt: -Infinity });
    this.renewEtcd();
  }

  /** Renewals stop: the shell's news is given by hand again. */
  etcdKeepaliveEnds(name: string, resource: string): void {
    this.keepalives.delete(`${name} ${resource}`);
  }

  private renewEtcd(): void {
    for (const [key, k] of this.keepalives) {
      const node = this.node(k.node);
      if (node.core === null) {
        this.keepalives.delete(key);
        continue;
      }
      if (!k.want || this.now - k.renewedAt < k.every) continue;
      k.renewedAt = this.now;
      this.etcdClaim(k.node, k.resource, { status: 'ours', countsUntil: this.localNow(k.node) + k.countsFor });
    }
  }

  /** The node's monotonic clock now, as its shell reads it. */
  localNow(name: string): number {
    return this.node(name).clock.localAt(this.now);
  }

  /** The incarnation of the node's hastmon (its latest, if it is down). */
  incarnationOf(name: string): number {
    return this.node(name).incarnation;
  }

  gateway(name: string, reachable: boolean): void {
    this.driver.receive(this.live(name), { input: { kind: 'gateway', reachable }, runId: null });
  }

  nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  /** The node's resources as its core shows them, or null while hastmon is down there. */
  views(name: string): ResourceView[] | null {
    return this.driver.view(this.node(name))?.resources ?? null;
  }

  /** Nodes where the fake resource really runs. */
  runningOn(resource: string): string[] {
    return this.nodes.filter((n) => n.running.has(resource)).map((n) => n.name);
  }

  isAlive(name: string): boolean {
    return this.node(name).core !== null;
  }

  /** Advance the shared clock by `ms`, handling every event in time order. */
  advance(ms: number): void {
    const until = this.now + ms;
    while (this.queue.peekTime() <= until) this.handleNext();
    this.now = until;
  }

  /**
   * Advance until `predicate` holds, at most `ms`; returns how long it took, to the event that made
   * it hold, or throws.
   */
  until(predicate: () => boolean, ms: number, what = 'condition'): number {
    const start = this.now;
    const deadline = start + ms;
    for (let events = 0; events < MAX_EVENTS; events++) {
      if (predicate()) return this.now - start;
      if (this.queue.peekTime() > deadline) break;
      this.handleNext();
    }
    if (predicate()) return this.now - start;
    this.now = Math.max(this.now, deadline);
    throw new Error(`${what} not reached within ${ms} ms (now ${this.now})\n${this.trace.slice(-30).join('\n')}`);
  }

  private handleNext(): void {
    const next = this.queue.pop();
    if (next === undefined) return;
    this.now = next.at;
    try {
      this.driver.handle(next.event);
      this.renewEtcd();
      this.watcher();
    } catch (error) {
      // A core that threw: the test fails with the node, the time and the core's own stack.
      if (error instanceof DriverAborted && error.cause instanceof Error) error.stack = `${error.message}\n${error.cause.stack ?? ''}`;
      throw error;
    }
  }

  // DriverHost: a perfect network and scripts as the test says.

  deliveries(from: SimNode, to: SimNode): number[] {
    return this.cut.has(`${from.name}>${to.name}`) ? [] : [DELIVERY_MS];
  }

  scriptFate(node: SimNode, effect: RunScript): ScriptFate {
    const result = this.behaviour(node.name, effect.resource, effect.action, effect.args) ?? { ms: DEFAULT_SCRIPT_MS, exit: defaultExit(effect.action) };
    if (result.exit === 'hang') return { duration: Infinity, effectAt: null, code: 0 };
    if (result.exit === 'truth') return { duration: result.ms, effectAt: null, code: 'state' };
    // A start or stop that succeeds has done its work as it exits; one that fails has done nothing.
    const acts = result.exit === 0 && (effect.action === 'start' || effect.action === 'stop');
    return { duration: result.ms, effectAt: acts ? result.ms : null, code: result.exit };
  }

  scriptStarting(node: SimNode, effect: RunScript): void {
    this.note(node, `run ${effect.action} ${effect.resource}${effect.args.length > 0 ? ` ${effect.args.join(' ')}` : ''}`);
  }

  scriptKilled(node: SimNode, runId: number): void {
    const run = node.runs.get(runId);
    if (run !== undefined) this.note(node, `kill ${run.action} ${run.resource}`);
  }

  scriptExited(node: SimNode, run: ActiveRun, code: number | null): void {
    this.note(node, `${run.action} ${run.resource} ${code === null ? 'timed out' : `exited ${code}`}`);
  }

  log(node: SimNode, effect: Extract<Effect, { kind: 'log' }>): void {
    if (effect.level !== 'debug') this.note(node, `${effect.level}: ${effect.message}`);
  }

  /** Holder changes only: the node's own state changes are traced from its view (stateChanged). */
  event(node: SimNode, effect: Extract<Effect, { kind: 'event' }>): void {
    if (effect.subject !== 'holder') return;
    this.note(node, `${effect.resource} holder ${effect.from || 'none'} -> ${effect.to || 'none'}: ${effect.reason}`);
  }

  stateChanged(node: SimNode): void {
    const known = this.states.get(node.name) ?? new Map<string, ResourceState>();
    this.states.set(node.name, known);
    for (const resource of this.driver.view(node)?.resources ?? []) {
      const before = known.get(resource.name);
      if (before === resource.state) continue;
      known.set(resource.name, resource.state);
      this.note(node, before === undefined ? `${resource.name} is ${resource.state}` : `${resource.name} ${before} -> ${resource.state}`);
    }
  }

  exited(node: SimNode, code: number): void {
    this.note(node, `exit ${code}`);
  }

  etcdWant(node: SimNode, effect: Extract<Effect, { kind: 'etcd-want' }>): void {
    this.note(node, `etcd-want ${effect.resource} ${effect.want ? 'yes' : 'no'}`);
    const keepalive = this.keepalives.get(`${node.name} ${effect.resource}`);
    if (keepalive !== undefined) keepalive.want = effect.want;
  }

  private note(node: SimNode, what: string): void {
    this.trace.push(`${formatTime(this.now)} ${node.name} ${what}`);
  }

  private node(name: string): SimNode {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** A node whose hastmon runs. */
  private live(name: string): SimNode {
    const node = this.node(name);
    if (node.core === null) throw new Error(`hastmon is not running on ${name}`);
    return node;
  }
}

export function defaultExit(action: ScriptAction): ScriptResult['exit'] {
  return action === 'probe' || action === 'monitor' ? 'truth' : 0;
}

/** Milliseconds since the scenario began: whole unless the core asked for a fraction. */
export function formatTime(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
