// The pure core of one node: it only steps. Time arrives as a number with every input, packets
// and script results arrive as inputs, and every answer is a list of effects for the shell to
// carry out. No clock, no socket, no file, no process: the simulator runs the same code.

import type { NodeContext } from './context.js';
import { NotificationGate } from './notification-gate.js';
import { PeerTable } from './peers.js';
import { STANDARD_RULES, type QuorumRules } from './quorum.js';
import { emptyFingerprint, sameFingerprint, type ReportFingerprint } from './report-fingerprint.js';
import { ResourceMachine } from './resource.js';
import { EARLY_SEND_REFILL_FRACTION, SendBudget } from './send-budget.js';
import { StepContext, type ContextActions } from './step-context.js';
import type {
  Command,
  CoreConfig,
  Effect,
  Heartbeat,
  Input,
  LogLevel,
  NodeView,
  ResourceReport,
} from './types.js';

export type ReconfigureResult = { ok: true; effects: Effect[] } | { ok: false; message: string };

export interface CoreStart {
  /** Local monotonic time of the start. */
  now: number;
  /** Larger than any earlier incarnation of this node (wall clock ms at start, in the daemon). */
  incarnation: number;
}

/**
 * Answers to the endorsed node's heartbeats, and a holder short of fresh endorsements, send at
 * most this often (a fraction of the heartbeat interval): enough chances under loss, and two nodes
 * answering each other over a slow link cannot ping-pong faster than this.
 */
const ANSWER_GAP_FRACTION = 1 / 4;
/**
 * After an answer, the next regular heartbeat waits this much longer than the interval, so that
 * the endorsed node's next heartbeat, due about one interval later, is answered rather than
 * crossed by a regular one (clocks may differ by 1 % each way, and the network adds delay).
 */
const AFTER_ANSWER_FRACTION = 1.1;

export class NodeCore {
  private config: CoreConfig;
  private readonly incarnation: number;
  private readonly peers = new PeerTable();
  private resources: ResourceMachine[];
  /** Resources dropped by a reload: released, then forgotten once settled. */
  private readonly removing = new Set<ResourceMachine>();
  /** Notification scripts running on this node, over all resources: bounded. */
  private readonly notificationGate = new NotificationGate();
  /** The resource offered the gate's next place first: each gets its turn. */
  private notificationTurn = 0;
  private readonly bootAt: number;
  private seq = 0;
  private nextSendAt: number;
  private lastSentAt = -Infinity;
  /** Each resource's report, but its echo, as last sent (none before the first heartbeat). */
  private sentReports: ReportFingerprint[] = [];
  /** The same as of this step: the two lists swap at each send, so that a step allocates none. */
  private currentReports: ReportFingerprint[] = [];
  private sendSoon = false;
  /** Heartbeats sent because something changed go at once, within this budget. */
  private readonly earlySends: SendBudget;
  /** A heartbeat of a node endorsed here arrived: answer it at once (see ResourceMachine.onHeartbeat). */
  private answer = false;
  private terminating = false;
  /** TERM was held up by a failed stop, and the log said so. */
  private saidBlocked = false;
  private exited = false;
  private gatewayReachable = true;
  private runIds = 0;
  private now: number;
  private effects: Effect[] = [];
  private readonly actions: ContextActions = {
    newRunId: () => ++this.runIds,
    emit: (effect) => this.effects.push(effect),
    log: (level, message) => this.log(level, message),
  };
  /** The context of taking inputs in, and the one of deciding (evaluate, nextWakeAt): reused. */
  private readonly inputContext: StepContext;
  private readonly decideContext: StepContext;

  constructor(
    config: CoreConfig,
    start: CoreStart,
    /** The safety rules: always the standard ones, but for tests proving the checkers can fail. */
    private readonly rules: QuorumRules = STANDARD_RULES,
  ) {
    this.config = config;
    this.incarnation = start.incarnation;
    this.bootAt = start.now;
    this.now = start.now;
    this.nextSendAt = start.now;
    this.earlySends = new SendBudget(config.timing.heartbeatInterval * EARLY_SEND_REFILL_FRACTION);
    this.resources = config.resources.map((spec) => new ResourceMachine(spec, config.node, config.forceStart, this.notificationGate));
    this.inputContext = new StepContext(this.peers, this.bootAt, this.rules, this.actions);
    this.decideContext = new StepContext(this.peers, this.bootAt, this.rules, this.actions);
  }

  /** Feed one input at local time `now`; returns what the shell must do, in order. */
  step(now: number, input: Input): Effect[] {
    return this.stepAll(now, [input]);
  }

  /**
   * Feed several inputs that arrived together (datagrams queued while the process was stopped, and
   * the tick that was due meanwhile), then decide once: nobody is judged silent before everything
   * that was waiting has been read.
   */
  stepAll(now: number, inputs: readonly Input[]): Effect[] {
    if (this.exited) return [];
    this.now = Math.max(this.now, now);
    this.effects = [];
    const ctx = this.refreshed(this.inputContext);
    for (const input of inputs) this.apply(ctx, input);
    this.evaluate();
    return this.effects;
  }

  private apply(ctx: NodeContext, input: Input): void {
    switch (input.kind) {
      case 'tick':
        return;
      case 'heartbeat':
        this.receive(ctx, input.heartbeat);
        return;
      case 'script-done':
        this.resource(input.resource)?.onScriptDone(ctx, input.runId, input.outcome);
        return;
      case 'command':
        this.command(ctx, input.command);
        return;
      case 'etcd':
        this.resource(input.resource)?.onEtcdClaim(ctx, input.claim);
        return;
      case 'gateway':
        if (input.reachable !== this.gatewayReachable) {
          this.gatewayReachable = input.reachable;
          ctx.log(input.reachable ? 'notice' : 'warning', `gateway ${input.reachable ? 'reachable again' : 'unreachable: withdrawing'}`);
          if (!input.reachable) for (const r of this.resources) r.withdraw(ctx, 'gateway unreachable');
        }
        return;
    }
  }

  /**
   * A reloaded configuration (hastmonctl reload). Resources whose definition did not change are
   * not touched; a changed one keeps its state and follows the new definition from now on; a new
   * one starts as at boot (probe first); a removed one is released, then forgotten. Cluster-wide
   * timing and the node's identity cannot change under a running daemon: refused.
   */
  reconfigure(now: number, config: CoreConfig): ReconfigureResult {
    if (config.node !== this.config.node) return { ok: false, message: `the node name changed (${this.config.node} to ${config.node}): restart hastmon` };
    const before = this.config.timing;
    const after = config.timing;
    for (const key of ['heartbeatInterval', 'deadtime', 'lease', 'guard', 'maxClockDrift'] as const) {
      if (before[key] !== after[key]) {
        return { ok: false, message: `${key} changed: cluster timing must be the same on every node; restart every node to change it` };
      }
    }
    // etcd as a voter changes every resource's voter count: like timing, the same on every node.
    if (JSON.stringify(config.etcd) !== JSON.stringify(this.config.etcd)) {
      return { ok: false, message: 'the etcd section changed: it must be the same on every node; restart every node to change it' };
    }
    this.now = Math.max(this.now, now);
    this.effects = [];
    const ctx = this.context();
    const kept: ResourceMachine[] = [];
    for (const spec of config.resources) {
      const existing = this.resource(spec.name);
      if (existing === undefined) {
        ctx.log('notice', `${spec.name}: new resource`);
        kept.push(new ResourceMachine(spec, config.node, false, this.notificationGate));
        continue;
      }
      const old = this.config.resources.find((r) => r.name === spec.name);
      if (JSON.stringify(old) !== JSON.stringify(spec)) existing.redefine(ctx, spec);
      kept.push(existing);
    }
    for (const r of this.resources) {
      if (kept.includes(r)) continue;
      ctx.log('notice', `${r.name}: removed from the configuration: releasing it`);
      r.terminate(ctx);
      this.removing.add(r);
      kept.push(r);
    }
    this.config = { ...config, timing: { ...before, shutdownGrace: after.shutdownGrace, offlineDefault: after.offlineDefault } };
    this.resources = kept;
    this.evaluate();
    return { ok: true, effects: this.effects };
  }

  /** The local time by which the core needs a tick, if nothing else arrives first. */
  nextWakeAt(): number {
    if (this.exited) return Infinity;
    const ctx = this.refreshed(this.decideContext);
    let earliest = this.nextSendAt;
    for (const r of this.resources) earliest = Math.min(earliest, r.nextWakeAt(ctx));
    // Notifications waiting for the gate's pause to end (a finished script wakes the core anyway).
    const opensAt = this.notificationGate.opensAt;
    if (opensAt > this.now && this.resources.some((r) => r.hasWaitingNotifications())) earliest = Math.min(earliest, opensAt);
    return earliest;
  }

  view(now: number): NodeView {
    const ctx = this.context(Math.max(this.now, now));
    return {
      node: this.config.node,
      incarnation: this.incarnation,
      resources: this.resources.map((r) => r.view(ctx)),
    };
  }

  /** Milliseconds since each peer heard so far was last heard (peers never heard are not listed). */
  lastHeard(now: number): Array<{ node: string; agoMs: number }> {
    const at = Math.max(this.now, now);
    return this.peers.names().map((node) => ({ node, agoMs: at - (this.peers.get(node)?.heardAt ?? at) }));
  }

  private resource(name: string): ResourceMachine | undefined {
    return this.resources.find((r) => r.name === name);
  }

  /** A new context, for what may outlive the step's own (a view, a reload, TERM). */
  private context(now: number = this.now): NodeContext {
    return this.fill(new StepContext(this.peers, this.bootAt, this.rules, this.actions), now);
  }

  /** One of the step's own contexts, showing the node as it is now. */
  private refreshed(ctx: StepContext): StepContext {
    return this.fill(ctx, this.now);
  }

  private fill(ctx: StepContext, now: number): StepContext {
    return ctx.refresh(now, this.config.node, this.config.timing, this.gatewayReachable, this.config.etcd);
  }

  private log(level: LogLevel, message: string): void {
    this.effects.push({ kind: 'log', level, message });
  }

  private receive(ctx: NodeContext, heartbeat: Heartbeat): void {
    if (heartbeat.node === this.config.node) return; // our own, looped back by multicast
    const result = this.peers.record(heartbeat, this.now, this.config.timing.lease);
    if (result === 'stale') return;
    if (result === 'new-peer') ctx.log('info', `heard ${heartbeat.node} for the first time`);
    if (result === 'restarted') ctx.log('notice', `${heartbeat.node} restarted (incarnation ${heartbeat.incarnation})`);
    for (const r of this.resources) {
      const answer = r.onHeartbeat(ctx, heartbeat);
      if (answer === 'changed') this.sendSoon = true;
      if (answer !== 'none') this.answer = true;
    }
  }

  private command(ctx: NodeContext, command: Command): void {
    const selected = (names: string[] | 'all'): ResourceMachine[] =>
      names === 'all' ? this.resources : this.resources.filter((r) => names.includes(r.name));
    switch (command.type) {
      case 'hup':
        for (const r of this.resources) r.hup(ctx);
        return;
      case 'force-start':
        for (const r of selected(command.resources)) r.forceStart(ctx, 'USR1');
        return;
      case 'clear':
        for (const r of selected(command.resources)) r.clear(ctx);
        return;
      case 'term':
        if (this.terminating) return;
        ctx.log('notice', 'shutting down: stopping the resources held here');
        this.terminating = true;
        for (const r of this.resources) r.terminate(this.context());
        return;
      case 'role':
        for (const r of selected(command.resources)) r.setRole(ctx, command.role);
        return;
      case 'offline': {
        const ms = command.seconds === undefined ? this.config.timing.offlineDefault : command.seconds * 1000;
        for (const r of selected(command.resources)) r.offline(ctx, ms);
        return;
      }
    }
  }

  private evaluate(): void {
    const ctx = this.refreshed(this.decideContext);
    for (const r of this.resources) r.evaluate(ctx);
    this.runNotifications(ctx);
    for (const r of this.removing) {
      if (!r.settled() || r.blocksLeaving()) continue;
      this.removing.delete(r);
      this.resources = this.resources.filter((x) => x !== r);
    }
    if (this.terminating && this.resources.every((r) => r.settled())) {
      const blocked = this.resources.filter((r) => r.blocksLeaving()).map((r) => r.name);
      if (blocked.length === 0) {
        this.leave(ctx);
        return;
      }
      if (!this.saidBlocked) {
        this.saidBlocked = true;
        ctx.log('error', `not exiting: a stop failed for ${blocked.join(', ')}, which may still run here; leaving now would let another node start it. Clear it (USR2, hastmonctl clear) once it is stopped, and hastmon exits.`);
      }
    }
    this.maybeSend(ctx);
  }

  /**
   * Notification scripts, once every resource has decided (the lifecycle and monitors had the
   * slots first): the gate's free places go to the resources in turn, starting after the one
   * served last, so that one resource's burst does not hold the others' up.
   */
  private runNotifications(ctx: NodeContext): void {
    const count = this.resources.length;
    for (let i = 0; i < count && !this.notificationGate.closed(this.now); i++) {
      const at = (this.notificationTurn + i) % count;
      if (!this.resources[at]?.runQueuedNotification(ctx)) continue;
      this.notificationTurn = (at + 1) % count;
    }
  }

  private maybeSend(ctx: NodeContext): void {
    const current = this.reportsNow(ctx);
    if (!sameReports(current, this.sentReports)) this.sendSoon = true;
    const interval = this.config.timing.heartbeatInterval;
    // A change goes out in the step that made it (send-budget.ts): the next node of a hand-over
    // hears a release, a candidacy or an endorsement one network hop after it was decided.
    if (this.sendSoon) this.nextSendAt = Math.min(this.nextSendAt, this.earlySends.availableAt(this.now));
    const answering = this.answer;
    const hurrying = this.resources.some((r) => this.now >= r.hurryFrom(ctx));
    if (answering || hurrying) this.nextSendAt = Math.min(this.nextSendAt, this.lastSentAt + interval * ANSWER_GAP_FRACTION);
    if (this.now < this.nextSendAt) return;
    this.currentReports = this.sentReports;
    this.sentReports = current;
    this.sendSoon = false;
    this.answer = false;
    this.send(ctx, this.resources.map((r) => r.report(ctx, this.now)), false);
    if (hurrying) this.nextSendAt = this.now + interval * ANSWER_GAP_FRACTION;
    else if (answering) this.nextSendAt = this.now + interval * AFTER_ANSWER_FRACTION;
  }

  /** Each resource's report but its echo, now, in the reused list `currentReports`. */
  private reportsNow(ctx: NodeContext): ReportFingerprint[] {
    const out = this.currentReports;
    const resources = this.resources;
    while (out.length < resources.length) out.push(emptyFingerprint());
    out.length = resources.length;
    for (let i = 0; i < resources.length; i++) (resources[i] as ResourceMachine).fingerprint(ctx, out[i] as ReportFingerprint);
    return out;
  }

  private send(ctx: NodeContext, resources: ResourceReport[], leaving: boolean): void {
    this.earlySends.spend(this.now);
    this.seq++;
    this.lastSentAt = this.now;
    this.nextSendAt = this.now + this.config.timing.heartbeatInterval;
    ctx.emit({
      kind: 'send',
      heartbeat: {
        node: this.config.node,
        incarnation: this.incarnation,
        seq: this.seq,
        sentAt: this.now,
        leaving,
        resources,
        echoes: this.peers.echoes(),
      },
    });
  }

  /** Everything released: say so once more, with nothing endorsed, and exit. */
  private leave(ctx: NodeContext): void {
    const reports = this.resources.map((r) => ({ ...r.report(ctx, this.now), vote: '', voteEcho: 0, eligible: false }));
    this.send(ctx, reports, true);
    ctx.log('notice', 'all resources released: exiting');
    this.exited = true;
    ctx.emit({ kind: 'exit', code: 0 });
  }
}

function sameReports(a: readonly ReportFingerprint[], b: readonly ReportFingerprint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameFingerprint(a[i] as ReportFingerprint, b[i] as ReportFingerprint)) return false;
  return true;
}
