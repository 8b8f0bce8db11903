// One resource on one node: its vote, its lifecycle and its scripts (DESIGN §4, §5).
//
// The lifecycle, FreeHA's states:
//   INITIAL --probe--> STANDBY --elected--> STARTING --start ok--> RUNNING
//   RUNNING/STARTING --release, lost quorum, failure--> STOPPING --stop ok--> STANDBY | ERRORED | STARTING (restart)
//   any stop that fails --> ERRORED, dirty: the resource may still run here, nobody else may start it.
// A watchdog sits in WATCHING and only votes.

import {
  contenderOf,
  countEndorsements,
  endorsementWindow,
  isHolding,
  nextEndorsementExpiry,
  releasesVoters,
  reportHolds,
  shownRole,
  type EndorsementQuery,
} from './arbitration.js';
import type { NodeContext } from './context.js';
import { chooseEndorsement, comparePreference, mostPreferred, type Contender } from './election.js';
import { ScriptSlot } from './script-slot.js';
import {
  RESOURCE_STATES,
  type Heartbeat,
  type MemberSpec,
  type PeerView,
  type ResourceReport,
  type ResourceSpec,
  type ResourceState,
  type ResourceView,
  type Role,
  type ScriptOutcome,
} from './types.js';

/** Why a holder is stopping; decides where it goes once the stop script succeeded. */
type StopReason =
  | 'release' // HUP, role secondary, hand-over, offline, gateway lost: STANDBY
  | 'restart' // monitor failed: start again here
  | 'failed' // attempts used up: ERRORED, released
  | 'self-fence' // lost quorum: STANDBY
  | 'conflict' // another holder is preferred: STANDBY
  | 'term' // shutting down: STANDBY, then the node leaves
  | 'cleanup' // found running at start-up while another node holds it: STANDBY
  | 'to-init'
  | 'to-watchdog';

type Probe = 'todo' | 'running' | 'found-running' | 'cleaning' | 'done';

const DEFAULT_PRIORITY = 100;
/** Consecutive good monitor runs after which earlier failures are forgiven. */
const HEALTHY_RUNS_TO_RESET_ATTEMPTS = 10;

export class ResourceMachine {
  readonly name: string;
  state: ResourceState;
  role: Role;
  priority: number;

  private attempts = 0;
  private dirty = false;
  private forced = false;
  private yielding = false;
  private forceAfterStop = false;
  /** Shutting down, or dropped from the configuration: release and never hold again. */
  private retiring = false;
  private probe: Probe = 'todo';
  private stopReason: StopReason = 'release';
  private slot: ScriptSlot;
  private startRetryAt = -Infinity;
  private nextMonitorAt = Infinity;
  private monitorFailures = 0;
  private monitorSuccesses = 0;
  private graceUntil = -Infinity;
  private offlineUntil = -Infinity;
  /** The node this one endorses, and since when it endorses itself. */
  private vote = '';
  private selfVoteSince = Infinity;
  /** A node seen holding that was never seen to stop cleanly: fenced before taking over. */
  private uncleanHolder = '';
  private complaintTimes: number[] = [];
  /** When a copy of the resource was found running here at start-up (and first reported). */
  private foundAt = -Infinity;
  private visibleMembers = new Set<string>();
  private lastShownRole: string;
  private reason = 'starting up';

  constructor(
    private spec: ResourceSpec,
    self: string,
    forceStart: boolean,
  ) {
    this.name = spec.name;
    const member = this.memberSpec(self);
    this.role = member.roleOnStart;
    this.priority = member.priority;
    this.state = this.role === 'watchdog' ? 'WATCHING' : 'INITIAL';
    this.forced = forceStart && this.isServiceRole();
    this.slot = new ScriptSlot(spec.name, spec.scriptTimeout);
    this.lastShownRole = this.role;
  }

  private memberSpec(self: string): MemberSpec {
    const member = this.spec.members.find((m) => m.node === self);
    if (member !== undefined) return member;
    if (this.spec.discoverMembers !== undefined) {
      return { node: self, priority: DEFAULT_PRIORITY, roleOnStart: 'secondary' };
    }
    throw new Error(`resource ${this.spec.name} has no section for node ${self}`);
  }

  /** A reloaded definition: the state stays as it is, later decisions follow the new one. */
  redefine(ctx: NodeContext, spec: ResourceSpec): void {
    this.spec = spec;
    this.priority = this.memberSpec(ctx.self).priority;
    this.slot.setTimeout(spec.scriptTimeout);
    ctx.log('notice', `${this.name}: definition reloaded`);
  }

  // ---------------------------------------------------------------------------------------------
  // What the others learn of us.

  report(ctx: NodeContext, sentAt: number): ResourceReport {
    return {
      name: this.name,
      state: this.state,
      role: this.role,
      priority: this.priority,
      eligible: this.isEligible(ctx),
      yielding: this.yielding,
      forced: this.forced,
      dirty: this.dirty,
      vote: this.vote,
      voteEcho: this.voteEcho(ctx, sentAt),
    };
  }

  private voteEcho(ctx: NodeContext, sentAt: number): number {
    if (this.vote === '') return 0;
    if (this.vote === ctx.self) return sentAt;
    return ctx.peers.get(this.vote)?.heartbeat.sentAt ?? 0;
  }

  /** A fingerprint of what changed in our report, to send a heartbeat at once when it does. */
  reportKey(ctx: NodeContext): string {
    const r = this.report(ctx, 0);
    return `${r.state}/${r.role}/${r.eligible}/${r.yielding}/${r.forced}/${r.dirty}/${r.vote}`;
  }

  holds(): boolean {
    return isHolding(this.state, this.dirty);
  }

  /** Nothing is starting, running or stopping here and no script runs: the node may exit. */
  /** Nothing is starting, running or stopping here and no script runs. */
  settled(): boolean {
    return this.state !== 'STARTING' && this.state !== 'RUNNING' && this.state !== 'STOPPING' && this.slot.running() === undefined;
  }

  /** A failed stop: the resource may still run here, so this node must stay and keep others off it. */
  blocksLeaving(): boolean {
    return this.state === 'ERRORED' && this.dirty;
  }

  private isServiceRole(): boolean {
    return this.role === 'primary' || this.role === 'secondary';
  }

  private isEligible(ctx: NodeContext): boolean {
    return (
      this.isServiceRole() &&
      this.state === 'STANDBY' &&
      !this.retiring &&
      ctx.gatewayReachable &&
      ctx.now >= this.offlineUntil &&
      ctx.now >= ctx.listenUntil
    );
  }

  private selfContender(ctx: NodeContext): Contender {
    return {
      node: ctx.self,
      priority: this.priority,
      primary: this.role === 'primary',
      yielding: this.yielding,
      forced: this.forced,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The cluster as this node sees it.

  /** Voters: every node named for the resource, or in freehad mode every node heard. */
  voters(ctx: NodeContext): Set<string> {
    if (this.spec.discoverMembers === undefined) return new Set(this.spec.members.map((m) => m.node));
    const heard = ctx.peers.names().filter((n) => n !== ctx.self && ctx.peers.report(n, this.name) !== undefined);
    return new Set([ctx.self, ...heard]);
  }

  voterCount(ctx: NodeContext): number {
    const count = this.voters(ctx).size;
    return Math.max(count, this.spec.discoverMembers?.expectedNodes ?? 0);
  }

  private visiblePeerReports(ctx: NodeContext): Array<{ node: string; report: ResourceReport }> {
    const out: Array<{ node: string; report: ResourceReport }> = [];
    for (const node of this.voters(ctx)) {
      if (node === ctx.self || !ctx.peers.isVisible(node, ctx.now, ctx.timing.deadtime)) continue;
      const report = ctx.peers.report(node, this.name);
      if (report !== undefined) out.push({ node, report });
    }
    return out;
  }

  /**
   * Nodes that hold the resource. One that is stopping is on its way out: it is still endorsed
   * while it is the only holder, but never preferred to one that is starting or running.
   */
  private holders(ctx: NodeContext): Contender[] {
    const out = this.visiblePeerReports(ctx)
      .filter((p) => reportHolds(p.report))
      .map((p) => ({ ...contenderOf(p.node, p.report), yielding: p.report.yielding || p.report.state === 'STOPPING' }));
    if (this.holds()) out.push({ ...this.selfContender(ctx), yielding: this.yielding || this.state === 'STOPPING' });
    return out;
  }

  /** A node that stepped down stops yielding once the resource runs elsewhere: its hand-over is done. */
  private noticeHandOverDone(ctx: NodeContext): void {
    if (!this.yielding || this.holds()) return;
    if (this.visiblePeerReports(ctx).some((p) => p.report.state === 'RUNNING')) this.yielding = false;
  }

  private candidates(ctx: NodeContext): Contender[] {
    const out = this.visiblePeerReports(ctx)
      .filter((p) => p.report.eligible && p.report.state === 'STANDBY')
      .map((p) => contenderOf(p.node, p.report));
    if (this.isEligible(ctx)) out.push(this.selfContender(ctx));
    return out;
  }

  private endorsementQuery(ctx: NodeContext, since: number): EndorsementQuery {
    return {
      resource: this.name,
      node: ctx.self,
      ownVote: this.vote,
      voters: this.voters(ctx),
      since,
      now: ctx.now,
    };
  }

  private isTwoNode(ctx: NodeContext): boolean {
    return ctx.voterCount(this.name) === 2;
  }

  // ---------------------------------------------------------------------------------------------
  // Votes with a lease (DESIGN §4.3).

  /**
   * Endorse the holder heard, else the most preferred candidate; but keep the promise: once
   * endorsing a node, endorse nobody else until `lease` after last hearing it, unless it has
   * released its voters itself.
   */
  private updateVote(ctx: NodeContext): void {
    const wanted = this.wantedEndorsement(ctx);
    if (wanted === this.vote || !this.promiseEnded(ctx)) return;
    ctx.log('debug', `${this.name}: endorsing ${wanted === '' ? 'nobody' : wanted} (was ${this.vote || 'nobody'})`);
    this.vote = wanted;
    this.selfVoteSince = wanted === ctx.self ? ctx.now : Infinity;
  }

  private wantedEndorsement(ctx: NodeContext): string {
    if (ctx.now < ctx.votingFrom) return '';
    const holders = this.holders(ctx);
    const candidates = this.candidates(ctx);
    if (holders.length === 0) {
      // A preferred node still starting up (probing, listening) is waited for, so that the node
      // that boots first does not take the resource from the one that should have it. Its probe
      // has a timeout and its listening a fixed length, so the wait is bounded.
      const best = mostPreferred(candidates);
      const pending = mostPreferred(this.startingUp(ctx));
      if (pending !== undefined && (best === undefined || comparePreference(pending, best) < 0)) return '';
    }
    return chooseEndorsement(holders, candidates);
  }

  /** Service nodes heard that have not finished their start-up probe yet. */
  private startingUp(ctx: NodeContext): Contender[] {
    return this.visiblePeerReports(ctx)
      .filter((p) => p.report.state === 'INITIAL' && (p.report.role === 'primary' || p.report.role === 'secondary'))
      .map((p) => contenderOf(p.node, p.report));
  }

  private promiseEnded(ctx: NodeContext): boolean {
    if (this.vote === '' || this.vote === ctx.self) return true;
    const peer = ctx.peers.get(this.vote);
    if (peer === undefined || ctx.now - peer.heardAt >= ctx.timing.lease) return true;
    const report = ctx.peers.report(this.vote, this.name);
    return report === undefined || releasesVoters(this.vote, report, peer.heartbeat.leaving);
  }

  private promiseEndsAt(ctx: NodeContext): number {
    if (this.vote === '' || this.vote === ctx.self) return Infinity;
    const peer = ctx.peers.get(this.vote);
    return peer === undefined ? Infinity : peer.heardAt + ctx.timing.lease;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs.

  /** Returns true when the heartbeat changed the report of the node we endorse (refresh our echo). */
  onHeartbeat(ctx: NodeContext, heartbeat: Heartbeat): boolean {
    const report = heartbeat.resources.find((r) => r.name === this.name);
    if (report === undefined) return false;
    const previous = ctx.peers.previousReport(heartbeat.node, this.name);
    if (reportHolds(report)) this.uncleanHolder = heartbeat.node;
    else if (this.uncleanHolder === heartbeat.node) this.uncleanHolder = '';
    // A complaint: a voter that endorsed some other node gave up on it and now endorses this one.
    const gaveUp = previous !== undefined && previous.vote !== '' && previous.vote !== ctx.self && previous.vote !== heartbeat.node;
    if (report.vote === ctx.self && gaveUp) {
      this.complain(ctx, heartbeat.node);
    }
    if (heartbeat.node !== this.vote) return false;
    return previous === undefined || previous.vote !== report.vote || previous.state !== report.state;
  }

  /** A voter gave up on another node and now asks this one to take over (HASTMON's complaint). */
  private complain(ctx: NodeContext, from: string): void {
    if (this.holds()) return;
    this.complaintTimes.push(ctx.now);
    ctx.log('info', `${this.name}: complaint from ${from}`);
    if (this.spec.notify) this.slot.notify(['complain', from]);
  }

  onScriptDone(ctx: NodeContext, runId: number, outcome: ScriptOutcome): void {
    const finished = this.slot.finish(runId);
    if (finished === undefined) return; // killed or unknown: its result means nothing now
    const ok = outcome.code === 0 && !outcome.timedOut;
    const how = describeOutcome(outcome);
    switch (finished.action) {
      case 'probe':
        this.probeDone(ctx, outcome, how);
        return;
      case 'fence':
        if (ok) this.run(ctx, 'start', []);
        else this.attemptFailed(ctx, `fence script ${how}`);
        return;
      case 'start':
        if (ok) this.started(ctx);
        else this.attemptFailed(ctx, `start script ${how}`);
        return;
      case 'monitor':
        this.monitorDone(ctx, outcome, how);
        return;
      case 'stop':
        if (ok) this.stopped(ctx);
        else this.stopFailed(ctx, how);
        return;
      case 'alert':
      case 'notify':
        if (!ok) ctx.log('warning', `${this.name}: ${finished.action} script ${how}`);
        return;
    }
  }

  private probeDone(ctx: NodeContext, outcome: ScriptOutcome, how: string): void {
    if (outcome.code === 0 && !outcome.timedOut) {
      // A copy runs here: from now on this node reports it (as a holder on its way out, unless it
      // is adopted), so that nobody starts another one while this node decides.
      ctx.log('notice', `${this.name}: found running at start-up`);
      this.probe = 'found-running';
      this.foundAt = ctx.now;
      this.stopReason = 'cleanup';
      this.setState(ctx, 'STOPPING');
      return;
    }
    if (outcome.code !== 1) ctx.log('warning', `${this.name}: start-up monitor ${how}; cleaning up with stop`);
    if (this.forced) {
      this.probe = 'done';
      this.beginStart(ctx);
      return;
    }
    this.probe = 'cleaning';
    this.run(ctx, 'stop', []);
  }

  private started(ctx: NodeContext): void {
    ctx.log('notice', `${this.name}: started`);
    this.nowRunning(ctx);
  }

  private nowRunning(ctx: NodeContext): void {
    this.setState(ctx, 'RUNNING');
    this.uncleanHolder = '';
    this.monitorFailures = 0;
    this.monitorSuccesses = 0;
    this.nextMonitorAt = ctx.now + this.spec.monitorInterval;
  }

  private monitorDone(ctx: NodeContext, outcome: ScriptOutcome, how: string): void {
    this.nextMonitorAt = ctx.now + this.spec.monitorInterval;
    if (this.state !== 'RUNNING') return;
    if (outcome.code === 0 && !outcome.timedOut) {
      this.monitorFailures = 0;
      this.monitorSuccesses++;
      if (this.monitorSuccesses >= HEALTHY_RUNS_TO_RESET_ATTEMPTS) this.attempts = 0;
      return;
    }
    this.monitorSuccesses = 0;
    this.monitorFailures++;
    const what = outcome.code === 1 && !outcome.timedOut ? 'reports the resource stopped' : how;
    ctx.log('warning', `${this.name}: monitor ${what} (${this.monitorFailures} of ${this.spec.monitorFall})`);
    if (this.monitorFailures < this.spec.monitorFall) return;
    this.monitorFailures = 0;
    if (this.attempts + 1 < this.spec.attempts) {
      this.attempts++;
      ctx.log('warning', `${this.name}: restarting here (attempt ${this.attempts} of ${this.spec.attempts})`);
      this.release(ctx, 'restart');
    } else {
      this.attempts = this.spec.attempts;
      ctx.log('error', `${this.name}: failed ${this.spec.attempts} times; releasing it as ERRORED`);
      this.release(ctx, 'failed');
    }
  }

  private attemptFailed(ctx: NodeContext, what: string): void {
    this.attempts++;
    if (this.attempts < this.spec.attempts) {
      ctx.log('warning', `${this.name}: ${what} (attempt ${this.attempts} of ${this.spec.attempts}); retrying`);
      this.startRetryAt = ctx.now + Math.min(this.spec.monitorInterval, 1000);
      return;
    }
    ctx.log('error', `${this.name}: ${what}; ${this.spec.attempts} attempts failed, releasing it as ERRORED`);
    this.release(ctx, 'failed');
  }

  private stopped(ctx: NodeContext): void {
    if (this.probe === 'cleaning') {
      this.probe = 'done'; // INITIAL until the start-up wait is over too (decideInitial)
      return;
    }
    const reason = this.stopReason;
    ctx.log('notice', `${this.name}: stopped (${reason})`);
    if (this.forceAfterStop) {
      this.forceAfterStop = false;
      this.beginStart(ctx);
      return;
    }
    switch (reason) {
      case 'restart':
        // The restart must still be this node's to make: quorum may have gone while it stopped.
        if (this.quorumLost(ctx) !== undefined || this.holders(ctx).some((h) => h.node !== ctx.self)) {
          ctx.log('warning', `${this.name}: not restarting here: no longer entitled to hold it`);
          this.toStandby(ctx);
          return;
        }
        this.beginStart(ctx);
        return;
      case 'failed':
        this.setState(ctx, 'ERRORED');
        return;
      case 'to-init':
        this.probe = 'todo';
        this.setState(ctx, 'INITIAL');
        return;
      case 'to-watchdog':
        this.setState(ctx, 'WATCHING');
        return;
      case 'term':
        if (ctx.timing.shutdownGrace > 0) {
          // Stay STOPPING for the grace: the others wait, and the operator may change their mind.
          this.graceUntil = ctx.now + ctx.timing.shutdownGrace;
          return;
        }
        this.toStandby(ctx);
        return;
      case 'release':
      case 'self-fence':
      case 'conflict':
      case 'cleanup':
        this.toStandby(ctx);
        return;
    }
  }

  private toStandby(ctx: NodeContext): void {
    this.forced = false;
    this.attempts = 0;
    this.setState(ctx, 'STANDBY');
  }

  private stopFailed(ctx: NodeContext, how: string): void {
    ctx.log('error', `${this.name}: stop script ${how}: it may still run here, so nobody else may start it until cleared`);
    this.probe = 'done';
    this.dirty = true;
    this.forceAfterStop = false;
    this.setState(ctx, 'ERRORED');
  }

  // ---------------------------------------------------------------------------------------------
  // Operator commands.

  hup(ctx: NodeContext): void {
    if (this.state !== 'STARTING' && this.state !== 'RUNNING') return;
    ctx.log('notice', `${this.name}: HUP: stopping here, handing over`);
    this.yielding = true;
    this.release(ctx, 'release');
  }

  forceStart(ctx: NodeContext, why: string): void {
    if (this.retiring) {
      ctx.log('warning', `${this.name}: ${why} ignored: shutting down`);
      return;
    }
    if (!this.isServiceRole()) {
      ctx.log('warning', `${this.name}: ${why} ignored: role ${this.role} never runs the resource`);
      return;
    }
    ctx.log('warning', `${this.name}: ${why}: FORCED START without asking anyone`);
    this.forced = true;
    this.dirty = false;
    this.yielding = false;
    this.attempts = 0;
    if (this.state === 'STOPPING') {
      this.forceAfterStop = true;
      return;
    }
    if (this.state === 'STARTING' || this.state === 'RUNNING') return;
    this.probe = 'done';
    this.beginStart(ctx);
  }

  /** USR2, hastmonctl clear: forget errors and an offline period; eligible again. */
  clear(ctx: NodeContext): void {
    this.attempts = 0;
    if (this.offlineUntil > ctx.now) ctx.log('notice', `${this.name}: offline period ended early`);
    this.offlineUntil = -Infinity;
    if (this.state !== 'ERRORED') return;
    ctx.log('notice', `${this.name}: error cleared${this.dirty ? ' (a failed stop: the operator vouches it is stopped)' : ''}`);
    this.dirty = false;
    this.probe = 'done';
    this.setState(ctx, 'STANDBY');
  }

  terminate(ctx: NodeContext): void {
    this.retiring = true;
    if (this.state === 'STARTING' || this.state === 'RUNNING') {
      this.release(ctx, 'term');
    } else if (this.state === 'STOPPING') {
      if (this.stopReason !== 'failed') this.stopReason = 'term';
      this.forceAfterStop = false;
    }
    // A start-up check under way is left to finish: a copy it finds is stopped before leaving.
  }

  setRole(ctx: NodeContext, role: Role): void {
    if (role === this.role) {
      if (role === 'primary') this.yielding = false;
      return;
    }
    const old = this.role;
    this.role = role;
    ctx.log('notice', `${this.name}: role ${old} -> ${role}`);
    if (role === 'primary' || role === 'secondary') {
      this.yielding = false;
      if (this.state === 'STOPPING' && (this.stopReason === 'to-init' || this.stopReason === 'to-watchdog')) {
        this.stopReason = 'release'; // changed back before the stop ended: a service node again
      } else if (this.state === 'WATCHING' || (this.state === 'INITIAL' && !this.probing())) {
        this.slot.killAll(ctx);
        this.probe = 'todo';
        this.setState(ctx, 'INITIAL');
      } else if (role === 'secondary' && (this.state === 'STARTING' || this.state === 'RUNNING')) {
        this.yielding = true;
        this.release(ctx, 'release');
      }
      return;
    }
    const target: StopReason = role === 'init' ? 'to-init' : 'to-watchdog';
    if (this.state === 'STARTING' || this.state === 'RUNNING') {
      this.release(ctx, target);
    } else if (this.state === 'STOPPING') {
      this.stopReason = target;
    } else if (this.state === 'INITIAL' && this.probing()) {
      // The start-up check finishes first: a copy it finds must be stopped, not forgotten.
    } else if (!this.dirty) {
      this.slot.killAll(ctx);
      this.probe = 'todo';
      this.forced = false;
      this.setState(ctx, role === 'init' ? 'INITIAL' : 'WATCHING');
    }
  }

  /** No longer fit to hold (the gateway is unreachable): release, and stay ineligible meanwhile. */
  withdraw(ctx: NodeContext, why: string): void {
    if (this.state !== 'STARTING' && this.state !== 'RUNNING') return;
    ctx.log('warning', `${this.name}: ${why}: releasing it`);
    this.release(ctx, 'release');
  }

  offline(ctx: NodeContext, durationMs: number): void {
    this.offlineUntil = ctx.now + durationMs;
    ctx.log('notice', `${this.name}: offline for ${Math.round(durationMs / 1000)} s`);
    if (this.state === 'STARTING' || this.state === 'RUNNING') this.release(ctx, 'release');
  }

  // ---------------------------------------------------------------------------------------------
  // Decisions, taken after every input.

  evaluate(ctx: NodeContext): void {
    this.noticeVisibility(ctx);
    this.noticeHandOverDone(ctx);
    this.updateVote(ctx);
    this.decide(ctx);
    this.updateVote(ctx);
    this.pruneComplaints(ctx);
    this.runBackgroundScripts(ctx);
    this.updateShownRole(ctx);
  }

  private decide(ctx: NodeContext): void {
    switch (this.state) {
      case 'INITIAL':
        this.decideInitial(ctx);
        return;
      case 'STANDBY':
        this.decideStandby(ctx);
        return;
      case 'STARTING':
      case 'RUNNING':
        this.decideHolding(ctx);
        return;
      case 'STOPPING':
        if (this.probe === 'found-running') {
          this.decideFoundRunning(ctx);
          return;
        }
        if (this.graceUntil <= ctx.now && this.graceUntil !== -Infinity) {
          this.graceUntil = -Infinity;
          this.toStandby(ctx);
        } else if (this.slot.running() === undefined && this.graceUntil === -Infinity) {
          this.run(ctx, 'stop', []);
        }
        this.reason = 'stopping';
        return;
      case 'ERRORED':
        this.reason = this.dirty
          ? 'ERRORED: a stop failed, the resource may still run here; clear with USR2 or hastmonctl clear'
          : 'ERRORED: clear with USR2 or hastmonctl clear';
        return;
      case 'WATCHING':
        this.reason = this.vote === '' ? 'watching, endorsing nobody' : `watching, endorsing ${this.vote}`;
        return;
    }
  }

  private probing(): boolean {
    return this.probe === 'running' || this.probe === 'cleaning';
  }

  private decideInitial(ctx: NodeContext): void {
    if (this.probing()) return; // the start-up check (or its clean-up stop) finishes first
    if (!this.isServiceRole()) {
      if (this.role === 'watchdog') this.setState(ctx, 'WATCHING');
      else this.reason = 'role init: waiting for hastmonctl role';
      return;
    }
    if (this.retiring) {
      // Never a candidate again; not INITIAL either, which would hold up the others' elections.
      this.setState(ctx, 'STANDBY');
      return;
    }
    if (this.probe === 'todo') {
      this.probe = 'running';
      this.reason = 'checking whether it already runs here';
      this.run(ctx, 'probe', []);
      return;
    }
    // Still INITIAL while listening: the others then know to wait for this node.
    if (ctx.now < ctx.listenUntil) {
      this.reason = 'listening for the other nodes';
      return;
    }
    this.setState(ctx, 'STANDBY');
  }

  /**
   * FreeHA's start-up rule, with a quorum's care: a copy found running is kept (adopted) only when
   * nobody else holds the resource and, where a quorum applies, a quorum of voters endorses this
   * node for it, as they would a holder; meanwhile the node reports it as a holder about to stop,
   * so that nobody starts it. Otherwise, or if the endorsements do not come in time, it is stopped.
   */
  private decideFoundRunning(ctx: NodeContext): void {
    if (this.forced) {
      this.adopt(ctx, 'forced');
      return;
    }
    const objection = this.foundCopyObjection(ctx);
    if (objection !== undefined) {
      ctx.log('warning', `${this.name}: found running here but ${objection}: stopping it here`);
      this.probe = 'done';
        if (this.isServiceRole()) this.stopReason = 'cleanup';
      else this.stopReason = this.role === 'init' ? 'to-init' : 'to-watchdog';
      this.run(ctx, 'stop', []);
      return;
    }
    if (this.isTwoNode(ctx)) {
      if (ctx.now < ctx.listenUntil) this.reason = 'found running; listening for the other node first';
      else this.adopt(ctx, 'nobody else holds it');
      return;
    }
    const quorum = ctx.quorumSize(this.name);
    const endorsements = countEndorsements(ctx.peers, ctx.timing, this.endorsementQuery(ctx, ctx.bootAt));
    if (endorsements >= quorum) {
      this.adopt(ctx, `${endorsements} of ${quorum} voters endorse keeping it`);
      return;
    }
    this.reason = `found running: waiting for endorsements to keep it (${endorsements} of ${quorum})`;
  }

  /** Why a copy found running here must be stopped now, or undefined while it may still be kept. */
  private foundCopyObjection(ctx: NodeContext): string | undefined {
    if (this.retiring) return 'hastmon is shutting down';
    if (!this.isServiceRole()) return `this node's role is ${this.role}`;
    const other = this.holders(ctx).find((h) => h.node !== ctx.self);
    if (other !== undefined) return `${other.node} holds it`;
    if (this.isTwoNode(ctx)) return undefined;
    const elsewhere = this.visiblePeerReports(ctx).find((p) => p.report.vote !== '' && p.report.vote !== ctx.self);
    if (elsewhere !== undefined) return `${elsewhere.node} endorses ${elsewhere.report.vote}`;
    if (ctx.now >= this.adoptionDeadline(ctx)) return 'no quorum endorsed keeping it in time';
    return undefined;
  }

  /**
   * A voter that heard the copy reported endorses it, as it would a holder, and may drop it a lease
   * after it last heard this node; this node cannot know which voters heard which report. So, like
   * a holder's endorsements, the copy may wait for adoption only for the endorsement window after
   * it was first reported.
   */
  private adoptionDeadline(ctx: NodeContext): number {
    return this.foundAt + endorsementWindow(ctx.timing);
  }

  private adopt(ctx: NodeContext, why: string): void {
    ctx.log('notice', `${this.name}: adopting it: found running here and ${why}`);
    this.probe = 'done';
    this.forceAfterStop = false;
    this.nowRunning(ctx);
  }

  private decideStandby(ctx: NodeContext): void {
    if (this.retiring) {
      this.reason = 'shutting down';
      return;
    }
    if (!this.isEligible(ctx)) {
      this.reason = this.ineligibleReason(ctx);
      return;
    }
    const otherHolder = this.holders(ctx).find((h) => h.node !== ctx.self);
    if (otherHolder !== undefined) {
      this.reason = `${otherHolder.node} holds it`;
      return;
    }
    if (this.vote !== ctx.self) {
      this.reason = this.vote === '' ? 'no node to endorse yet' : `endorsing ${this.vote}`;
      return;
    }
    if (!this.electedHere(ctx)) return;
    this.beginStart(ctx);
  }

  private ineligibleReason(ctx: NodeContext): string {
    if (ctx.now < ctx.listenUntil) return 'listening for the other nodes';
    if (!ctx.gatewayReachable) return 'gateway unreachable: withdrawn';
    if (ctx.now < this.offlineUntil) return `offline for ${Math.ceil((this.offlineUntil - ctx.now) / 1000)} s`;
    return `role ${this.role}`;
  }

  /** DESIGN §4.4, §4.6: a quorum of voters endorses this node, or FreeHA's rule with two nodes. */
  private electedHere(ctx: NodeContext): boolean {
    const quorum = ctx.quorumSize(this.name);
    const query = this.endorsementQuery(ctx, this.selfVoteSince);
    const endorsements = countEndorsements(ctx.peers, ctx.timing, query);
    if (endorsements < quorum) {
      this.reason = `no quorum: ${endorsements} of ${quorum} endorsements needed (${ctx.voterCount(this.name)} voters)`;
      return false;
    }
    if (this.isTwoNode(ctx)) {
      // Quorum is impossible with two voters: the peer's endorsement is needed while it is seen.
      const peersSeen = this.visiblePeerReports(ctx);
      const holdout = peersSeen.find((p) => p.report.vote !== ctx.self || p.report.voteEcho < this.selfVoteSince);
      if (holdout !== undefined) {
        this.reason = `waiting for ${holdout.node} to endorse this node`;
        return false;
      }
    }
    return true;
  }

  private beginStart(ctx: NodeContext): void {
    this.yielding = false;
    this.startRetryAt = -Infinity;
    this.setState(ctx, 'STARTING');
    this.reason = this.forced ? 'forced start' : 'elected: starting';
    this.runStartOrFence(ctx);
  }

  private runStartOrFence(ctx: NodeContext): void {
    const target = this.uncleanHolder;
    if (this.spec.fence && target !== '' && target !== ctx.self) {
      ctx.log('notice', `${this.name}: fencing ${target} before taking over`);
      this.run(ctx, 'fence', [target]);
    } else {
      this.run(ctx, 'start', []);
    }
  }

  private decideHolding(ctx: NodeContext): void {
    if (this.lostQuorum(ctx) || this.yieldToOtherHolder(ctx) || this.handOver(ctx)) return;
    this.reason = this.state === 'RUNNING' ? 'running here' : 'starting here';
    if (this.state === 'STARTING' && this.slot.running() === undefined && ctx.now >= this.startRetryAt) {
      this.runStartOrFence(ctx);
    }
  }

  /** DESIGN §4.5: fewer than a quorum of valid endorsements: stop at once (self-fencing). */
  private lostQuorum(ctx: NodeContext): boolean {
    const lost = this.quorumLost(ctx);
    if (lost === undefined) return false;
    ctx.log('warning', `${this.name}: lost quorum (${lost}): stopping it here (self-fencing)`);
    this.release(ctx, 'self-fence');
    return true;
  }

  /** Why this holder may not keep the resource for want of endorsements, or undefined if it may. */
  private quorumLost(ctx: NodeContext): string | undefined {
    if (this.forced || this.isTwoNode(ctx)) return undefined;
    const quorum = ctx.quorumSize(this.name);
    const endorsements = countEndorsements(ctx.peers, ctx.timing, this.endorsementQuery(ctx, ctx.bootAt));
    return endorsements >= quorum ? undefined : `${endorsements} of ${quorum} valid endorsements`;
  }

  /** Two holders see each other (a forced start, a healed two-node partition): the less preferred stops. */
  private yieldToOtherHolder(ctx: NodeContext): boolean {
    const me = this.selfContender(ctx);
    const better = this.visiblePeerReports(ctx).find(
      (p) =>
        reportHolds(p.report) &&
        p.report.state !== 'STOPPING' &&
        comparePreference(contenderOf(p.node, p.report), me) < 0,
    );
    if (better === undefined) return false;
    ctx.log('error', `${this.name}: also held by ${better.node}, which is preferred: stopping it here`);
    this.release(ctx, 'conflict');
    return true;
  }

  /** `failback auto`, or a node given role primary: hand the resource over to a preferred candidate. */
  private handOver(ctx: NodeContext): boolean {
    if (this.state !== 'RUNNING' || this.forced) return false;
    const me: Contender = { ...this.selfContender(ctx), yielding: false };
    const taker = this.visiblePeerReports(ctx).find(
      (p) =>
        p.report.eligible &&
        p.report.state === 'STANDBY' &&
        !p.report.yielding &&
        comparePreference(contenderOf(p.node, p.report), me) < 0 &&
        (this.spec.failback === 'auto' || (p.report.role === 'primary' && this.role !== 'primary')),
    );
    if (taker === undefined) return false;
    ctx.log('notice', `${this.name}: handing over to ${taker.node}`);
    this.yielding = true;
    this.release(ctx, 'release');
    return true;
  }

  /** Stop holding: kill a start still running (its whole group), then run stop. */
  private release(ctx: NodeContext, reason: StopReason): void {
    if (this.state === 'STOPPING') {
      if (this.stopReason !== 'failed') this.stopReason = reason;
      return;
    }
    if (this.state !== 'STARTING' && this.state !== 'RUNNING') return;
    this.stopReason = reason;
    this.nextMonitorAt = Infinity;
    this.setState(ctx, 'STOPPING');
    this.run(ctx, 'stop', []);
  }

  // ---------------------------------------------------------------------------------------------
  // Scripts.

  private run(ctx: NodeContext, action: 'probe' | 'start' | 'stop' | 'monitor' | 'fence', args: string[]): void {
    this.slot.run(ctx, action, args);
  }

  /** Monitor and notifications use the script slot only when the lifecycle does not need it. */
  private runBackgroundScripts(ctx: NodeContext): void {
    if (this.slot.running() !== undefined) return;
    if (this.slot.runQueuedNotification(ctx)) return;
    if (this.state === 'RUNNING' && ctx.now >= this.nextMonitorAt) {
      this.nextMonitorAt = Infinity;
      this.run(ctx, 'monitor', []);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Notifications and bookkeeping.

  private setState(ctx: NodeContext, state: ResourceState): void {
    if (state === this.state) return;
    ctx.log('info', `${this.name}: ${this.state} -> ${state}`);
    this.state = state;
    ctx.emit({ kind: 'state-changed' });
    if (this.spec.alert) this.slot.alert([String(RESOURCE_STATES.indexOf(state)), state]);
  }

  private updateShownRole(ctx: NodeContext): void {
    const shown = shownRole(this.role, this.holds());
    if (shown === this.lastShownRole) return;
    if (this.spec.notify) this.slot.notify(['role', this.lastShownRole, shown]);
    this.lastShownRole = shown;
    ctx.emit({ kind: 'state-changed' });
  }

  private noticeVisibility(ctx: NodeContext): void {
    const visible = new Set(this.visiblePeerReports(ctx).map((p) => p.node));
    for (const node of visible) {
      if (!this.visibleMembers.has(node)) {
        ctx.log('info', `${this.name}: ${node} connected`);
        if (this.spec.notify) this.slot.notify(['connect', node]);
      }
    }
    for (const node of this.visibleMembers) {
      if (!visible.has(node)) {
        ctx.log('warning', `${this.name}: ${node} disconnected (not heard for ${ctx.timing.deadtime} ms)`);
        if (this.spec.notify) this.slot.notify(['disconnect', node]);
      }
    }
    if (visible.size !== this.visibleMembers.size || [...visible].some((n) => !this.visibleMembers.has(n))) {
      ctx.emit({ kind: 'state-changed' });
    }
    this.visibleMembers = visible;
  }

  private pruneComplaints(ctx: NodeContext): void {
    const from = ctx.now - this.spec.complaintInterval;
    this.complaintTimes = this.complaintTimes.filter((t) => t > from);
  }

  /** The latest local time at which this resource needs a tick, given nothing else happens. */
  nextWakeAt(ctx: NodeContext): number {
    const times = [
      this.promiseEndsAt(ctx),
      this.state === 'RUNNING' && this.slot.running() === undefined ? this.nextMonitorAt : Infinity,
      this.state === 'STARTING' ? this.startRetryAt : Infinity,
      this.probe === 'found-running' ? this.adoptionDeadline(ctx) : Infinity,
      this.graceUntil,
      this.offlineUntil,
      ctx.votingFrom,
      ctx.listenUntil,
    ];
    if (this.state === 'STARTING' || this.state === 'RUNNING') {
      times.push(nextEndorsementExpiry(ctx.peers, ctx.timing, this.endorsementQuery(ctx, ctx.bootAt)));
    }
    if (this.state === 'STANDBY') {
      times.push(nextEndorsementExpiry(ctx.peers, ctx.timing, this.endorsementQuery(ctx, this.selfVoteSince)));
    }
    for (const node of this.voters(ctx)) {
      const peer = node === ctx.self ? undefined : ctx.peers.get(node);
      if (peer !== undefined) times.push(peer.heardAt + ctx.timing.deadtime);
    }
    let earliest = Infinity;
    for (const t of times) if (t > ctx.now && t < earliest) earliest = t;
    return earliest;
  }

  view(ctx: NodeContext): ResourceView {
    const holder = this.holders(ctx).sort(comparePreference)[0]?.node ?? '';
    return {
      name: this.name,
      state: this.state,
      role: this.role,
      priority: this.priority,
      attempts: this.attempts,
      maxAttempts: this.spec.attempts,
      holder,
      vote: this.vote,
      quorum: ctx.quorumSize(this.name),
      voters: ctx.voterCount(this.name),
      reason: this.reason,
      complaints: this.complaintTimes.length,
      peers: this.peerViews(ctx),
    };
  }

  private peerViews(ctx: NodeContext): PeerView[] {
    const out: PeerView[] = [];
    for (const node of this.voters(ctx)) {
      if (node === ctx.self) continue;
      const peer = ctx.peers.get(node);
      const report = ctx.peers.report(node, this.name);
      const configured = this.spec.members.find((m) => m.node === node);
      if (peer === undefined || report === undefined) {
        out.push({
          node,
          state: 'UNKNOWN',
          role: configured?.roleOnStart ?? 'unknown',
          priority: configured?.priority ?? DEFAULT_PRIORITY,
          heardAgo: peer === undefined ? null : ctx.now - peer.heardAt,
          vote: '',
        });
        continue;
      }
      const visible = ctx.peers.isVisible(node, ctx.now, ctx.timing.deadtime);
      out.push({
        node,
        state: visible ? report.state : 'TIMEDOUT',
        role: report.role,
        priority: report.priority,
        heardAgo: ctx.now - peer.heardAt,
        vote: report.vote,
      });
    }
    return out;
  }
}

function describeOutcome(outcome: ScriptOutcome): string {
  if (outcome.timedOut) return 'timed out and was killed';
  if (outcome.code === null) return 'was killed by a signal';
  return outcome.code === 0 ? 'succeeded' : `exited ${outcome.code}`;
}
