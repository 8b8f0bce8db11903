// A small deterministic cluster for scenario tests of the core: one shared clock, a network that
// delivers after 1 ms unless a link is cut, and scripts whose outcome each test decides.
// (The seeded simulator in src/sim/ adds faults and drift; this one is for readable step-by-step tests.)

import { NodeCore } from '../core/node.js';
import type { Command, CoreConfig, Effect, ResourceState, ScriptAction } from '../core/types.js';

/** A script's fate: how long it takes and its exit code (null: it hangs until its timeout). */
export interface ScriptFate {
  ms: number;
  code: number | null;
}

type Behaviour = (node: string, resource: string, action: ScriptAction, args: string[]) => ScriptFate | undefined;

interface PendingScript {
  node: string;
  resource: string;
  runId: number;
  action: ScriptAction;
  endsAt: number;
  code: number | null;
  incarnation: number;
}

interface SimNode {
  core: NodeCore;
  incarnation: number;
  alive: boolean;
  /** A paused process: it neither acts nor reads; what is sent to it waits. */
  frozen: boolean;
  /** The fake resource: whether it really runs on this node. */
  running: Set<string>;
}

interface Delivery {
  at: number;
  to: string;
  effect: Extract<Effect, { kind: 'send' }>;
}

export class Harness {
  now = 0;
  readonly trace: string[] = [];
  readonly logs: string[] = [];
  private readonly nodes = new Map<string, SimNode>();
  private scripts: PendingScript[] = [];
  private inFlight: Delivery[] = [];
  private readonly cut = new Set<string>();
  private behaviour: Behaviour = () => undefined;
  private readonly configs = new Map<string, CoreConfig>();
  /** Resources already running on a node that has not booted yet. */
  private readonly runningAtBoot = new Map<string, Set<string>>();

  constructor(
    configs: CoreConfig[],
    private readonly makeCore: (config: CoreConfig, now: number, incarnation: number) => NodeCore = (c, now, inc) =>
      new NodeCore(c, { now, incarnation: inc }),
  ) {
    for (const config of configs) {
      this.configs.set(config.node, config);
      this.boot(config.node);
    }
  }

  /** A node that boots now, later than the others. */
  addNode(config: CoreConfig): void {
    this.configs.set(config.node, config);
    this.boot(config.node);
  }

  /** The resource runs on `name` without hastmon having started it (a boot script, an operator). */
  startServiceOn(name: string, resource: string): void {
    const node = this.nodes.get(name);
    if (node !== undefined) node.running.add(resource);
    else this.runningAtBoot.set(name, new Set([...(this.runningAtBoot.get(name) ?? []), resource]));
  }

  /** Decide script outcomes; return undefined for the default (10 ms, success, monitor tells the truth). */
  scriptsBehave(behaviour: Behaviour): void {
    this.behaviour = behaviour;
  }

  private boot(name: string): void {
    const config = this.configs.get(name);
    if (config === undefined) throw new Error(`no node ${name}`);
    const incarnation = (this.nodes.get(name)?.incarnation ?? 0) + 1;
    const node: SimNode = {
      core: this.makeCore(config, this.now, incarnation),
      incarnation,
      alive: true,
      frozen: false,
      running: this.nodes.get(name)?.running ?? this.runningAtBoot.get(name) ?? new Set(),
    };
    this.nodes.set(name, node);
    this.apply(name, node.core.step(this.now, { kind: 'tick' }));
  }

  /** The node dies with its machine: its resources stop too. */
  crash(name: string): void {
    const node = this.node(name);
    node.alive = false;
    node.running.clear();
    this.scripts = this.scripts.filter((s) => s.node !== name);
    this.trace.push(`${this.now} ${name} CRASH`);
  }

  /** Only the daemon dies: whatever it started keeps running. */
  killDaemon(name: string): void {
    const node = this.node(name);
    node.alive = false;
    this.scripts = this.scripts.filter((s) => s.node !== name);
    this.trace.push(`${this.now} ${name} KILLED`);
  }

  freeze(name: string): void {
    this.node(name).frozen = true;
    this.trace.push(`${this.now} ${name} PAUSED`);
  }

  /** The paused node wakes: its clock has moved on, and it is stepped at once. */
  thaw(name: string): void {
    const node = this.node(name);
    node.frozen = false;
    this.trace.push(`${this.now} ${name} WOKE`);
    this.apply(name, node.core.step(this.now, { kind: 'tick' }));
  }

  restart(name: string): void {
    this.trace.push(`${this.now} ${name} RESTART`);
    this.boot(name);
  }

  /** Cut the link from `a` to `b` (one way), or both ways. */
  cutLink(a: string, b: string, bothWays = true): void {
    this.cut.add(`${a}>${b}`);
    if (bothWays) this.cut.add(`${b}>${a}`);
  }

  isolate(name: string): void {
    for (const other of this.nodes.keys()) if (other !== name) this.cutLink(name, other);
  }

  heal(): void {
    this.cut.clear();
  }

  command(name: string, command: Command): void {
    this.trace.push(`${this.now} ${name} COMMAND ${command.type}`);
    this.apply(name, this.node(name).core.step(this.now, { kind: 'command', command }));
  }

  /** hastmonctl reload on one node; returns the refusal message, if any. */
  reload(name: string, config: CoreConfig): string | undefined {
    const result = this.node(name).core.reconfigure(this.now, config);
    if (!result.ok) return result.message;
    this.configs.set(name, config);
    this.apply(name, result.effects);
    return undefined;
  }

  gateway(name: string, reachable: boolean): void {
    this.apply(name, this.node(name).core.step(this.now, { kind: 'gateway', reachable }));
  }

  state(name: string, resource: string): ResourceState {
    const view = this.node(name).core.view(this.now).resources.find((r) => r.name === resource);
    if (view === undefined) throw new Error(`no resource ${resource} on ${name}`);
    return view.state;
  }

  view(name: string, resource: string) {
    const view = this.node(name).core.view(this.now).resources.find((r) => r.name === resource);
    if (view === undefined) throw new Error(`no resource ${resource} on ${name}`);
    return view;
  }

  /** Nodes where the fake resource really runs. */
  runningOn(resource: string): string[] {
    return [...this.nodes.entries()].filter(([, n]) => n.running.has(resource)).map(([name]) => name);
  }

  isAlive(name: string): boolean {
    return this.node(name).alive;
  }

  /** Script runs as `time node action resource`, in order. */
  scriptTrace(filter: (line: string) => boolean = () => true): string[] {
    return this.trace.filter((l) => l.includes(' run ') && filter(l));
  }

  private node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Advance the shared clock by `ms`, handling every event in time order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const next = this.nextEventAt();
      if (next > until) break;
      this.now = Math.max(this.now, next);
      this.handleDue();
    }
    this.now = until;
  }

  /** Advance until `predicate` holds, at most `ms`; returns the time it took or throws. */
  until(predicate: () => boolean, ms: number, what = 'condition'): number {
    const start = this.now;
    for (let step = 0; step < ms; step += 5) {
      if (predicate()) return this.now - start;
      this.advance(5);
    }
    if (predicate()) return this.now - start;
    throw new Error(`${what} not reached within ${ms} ms (now ${this.now})\n${this.trace.slice(-30).join('\n')}`);
  }

  private nextEventAt(): number {
    let next = Infinity;
    for (const node of this.nodes.values()) if (this.acts(node)) next = Math.min(next, node.core.nextWakeAt());
    for (const s of this.scripts) if (!this.node(s.node).frozen) next = Math.min(next, s.endsAt);
    for (const d of this.inFlight) if (!this.node(d.to).frozen) next = Math.min(next, d.at);
    return next;
  }

  private acts(node: SimNode): boolean {
    return node.alive && !node.frozen;
  }

  private handleDue(): void {
    const isDue = (d: Delivery): boolean => d.at <= this.now && !this.node(d.to).frozen;
    const due = this.inFlight.filter(isDue);
    this.inFlight = this.inFlight.filter((d) => !isDue(d));
    for (const d of due) {
      const node = this.node(d.to);
      if (node.alive) this.apply(d.to, node.core.step(this.now, { kind: 'heartbeat', heartbeat: d.effect.heartbeat }));
    }
    const isDone = (s: PendingScript): boolean => s.endsAt <= this.now && !this.node(s.node).frozen;
    const finished = this.scripts.filter(isDone);
    this.scripts = this.scripts.filter((s) => !isDone(s));
    for (const s of finished) this.finishScript(s);
    for (const [name, node] of this.nodes) {
      if (this.acts(node) && node.core.nextWakeAt() <= this.now) this.apply(name, node.core.step(this.now, { kind: 'tick' }));
    }
  }

  private finishScript(s: PendingScript): void {
    const node = this.node(s.node);
    if (!node.alive || node.incarnation !== s.incarnation) return;
    const timedOut = s.code === null;
    if (!timedOut && s.code === 0) {
      if (s.action === 'start') node.running.add(s.resource);
      if (s.action === 'stop') node.running.delete(s.resource);
    }
    this.trace.push(`${this.now} ${s.node} done ${s.action} ${s.resource} ${timedOut ? 'timeout' : s.code}`);
    this.apply(s.node, node.core.step(this.now, {
      kind: 'script-done',
      resource: s.resource,
      runId: s.runId,
      outcome: { code: timedOut ? null : s.code, timedOut },
    }));
  }

  private apply(name: string, effects: Effect[]): void {
    const node = this.node(name);
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send':
          for (const other of this.nodes.keys()) {
            if (other === name || this.cut.has(`${name}>${other}`)) continue;
            this.inFlight.push({ at: this.now + 1, to: other, effect });
          }
          break;
        case 'run-script': {
          this.trace.push(`${this.now} ${name} run ${effect.action} ${effect.resource}${effect.args.length ? ' ' + effect.args.join(' ') : ''}`);
          const fate = this.behaviour(name, effect.resource, effect.action, effect.args) ?? this.defaultFate(node, effect.resource, effect.action);
          this.scripts.push({
            node: name,
            resource: effect.resource,
            runId: effect.runId,
            action: effect.action,
            endsAt: this.now + (fate.code === null ? effect.timeoutMs : fate.ms),
            code: fate.code,
            incarnation: node.incarnation,
          });
          break;
        }
        case 'kill-script':
          this.trace.push(`${this.now} ${name} kill ${effect.resource}`);
          this.scripts = this.scripts.filter((s) => !(s.node === name && s.runId === effect.runId));
          break;
        case 'log':
          this.logs.push(`${this.now} ${name} ${effect.level}: ${effect.message}`);
          if (effect.level !== 'debug') this.trace.push(`${this.now} ${name} ${effect.message}`);
          break;
        case 'exit':
          node.alive = false;
          this.trace.push(`${this.now} ${name} EXIT ${effect.code}`);
          break;
        case 'state-changed':
          break;
      }
    }
  }

  private defaultFate(node: SimNode, resource: string, action: ScriptAction): ScriptFate {
    if (action === 'probe' || action === 'monitor') return { ms: 10, code: node.running.has(resource) ? 0 : 1 };
    return { ms: 10, code: 0 };
  }
}
