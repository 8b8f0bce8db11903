// One resource on one node: its vote, its lifecycle and its scripts (DESIGN §4, §5).
//
// The states and the table of which event each expects are in lifecycle.ts; each transition the
// table names is one function here. The quorum rule is in quorum.ts, the voter's choice and
// promise in vote.ts, the order of preference in election.ts.

import { contenderOf, isHolding, reportHolds, shownRole } from './arbitration.js';
import type { NodeContext } from './context.js';
import { comparePreference, mostPreferred, type Contender } from './election.js';
import { EtcdVote } from './etcd-vote.js';
import type { NotificationGate } from './notification-gate.js';
import {
  isHoldingPhase,
  shownState,
  transitionFor,
  type LifecycleEvent,
  type Phase,
  type StopReason,
  type Transition,
} from './lifecycle.js';
import {
  countEndorsements,
  foundCopyWindow,
  hearsUs,
  hearsUsUntil,
  isTwoVoterCluster,
  nextEndorsementExpiry,
  quorumLapsesAt,
  twoVoterHoldout,
  voterCountOf,
  votersOf,
  votingFrom,
  type EndorsementQuery,
} from './quorum.js';
import { ResourceNotices } from './notices.js';
import { handOverTaker, preferredHolder, type PeerReport } from './outlook.js';
import { OutlookCache, type Outlook } from './outlook-cache.js';
import { describePeers } from './resource-view.js';
import { explainHolderChange } from './holder-change.js';
import type { ReportFingerprint } from './report-fingerprint.js';
import { ScriptSlot } from './script-slot.js';
import { Ballot, wantedEndorsement } from './vote.js';
import {
  RESOURCE_STATES,
  STATUS_EXIT_STOPPED,
  type Heartbeat,
  type MemberSpec,
  type ResourceReport,
  type ResourceSpec,
  type ResourceState,
  type ResourceView,
  type Role,
  type ScriptOutcome,
  type EtcdClaim,
} from './types.js';

/** Consecutive good monitor runs after which earlier failures are forgiven. */
const HEALTHY_RUNS_TO_RESET_ATTEMPTS = 10;

/** What an event carries to its transition. */
interface EventData {
  outcome?: ScriptOutcome;
  why?: string;
}

/** An event that carries nothing; never changed. */
const NO_DATA: EventData = Object.freeze({});

export class ResourceMachine {
  readonly name: string;
  role: Role;
  priority: number;
  private phase: Phase;

  /** Failed starts since the resource last settled. */
  private attempts = 0;
  /** Restarts in place after a confirmed monitor failure, since the resource last settled. */
  private restartsHere = 0;
  /** Started by USR1 or -m: holds without asking anyone, wins a conflict between holders. */
  private forced = false;
  /** Stepped down (HUP, role secondary, hand-over): least preferred until another node holds. */
  private yielding = false;
  /** Shutting down, or dropped from the configuration: release and never hold again. */
  private retiring = false;
  private offlineUntil = -Infinity;
  /** Some node (this one included) was seen running the resource at the last evaluation. */
  private runningSeen = false;
  /** When the last node seen running it stopped being seen so (-Infinity: none since, or one runs it). */
  private holderGoneAt = -Infinity;
  private readonly ballot: Ballot;
  /** etcd's endorsement of this node, when an `etcd` section makes it a voter. */
  private readonly etcd: EtcdVote;
  private slot: ScriptSlot;
  /** A node seen holding that was never seen to stop cleanly: fenced before taking over. */
  private uncleanHolder = '';
  private readonly notices: ResourceNotices;
  private reason = 'starting up';
  /** The holder as last reported in an event (hastmonctl events), '' for none. */
  private seenHolder = '';
  /** Times this node began holding the resource (the metrics' count of becoming holder). */
  private timesHeld = 0;
  /** The voters as configured (fixed until a reload), or as discovered with the table's version. */
  private voterSet: Set<string> | undefined;
  private voterSetVersion = -1;
  private readonly outlook = new OutlookCache();
  /** votersTurnAt as last worked out: for these voters and this version of the table, from that time. */
  private readonly voterTurn: { voters: ReadonlySet<string> | undefined; version: number; from: number; at: number } = {
    voters: undefined,
    version: -1,
    from: Infinity,
    at: -Infinity,
  };

  constructor(
    private spec: ResourceSpec,
    self: string,
    forceStart: boolean,
    notificationGate: NotificationGate,
  ) {
    this.name = spec.name;
    const member = this.memberSpec(self);
    this.role = member.roleOnStart;
    this.priority = member.priority;
    this.phase = this.role === 'watchdog' ? { name: 'WATCHING' } : { name: 'INITIAL', probe: 'todo' };
    this.forced = forceStart && this.isServiceRole();
    this.ballot = new Ballot(spec.name);
    this.etcd = new EtcdVote(spec.name);
    this.slot = new ScriptSlot(spec.name, spec.scriptTimeout, notificationGate);
    this.notices = new ResourceNotices(spec.name, this.slot, this.role);
  }

  get state(): ResourceState {
    return shownState(this.phase);
  }

  private memberSpec(node: string): MemberSpec {
    const member = this.spec.members.find((m) => m.node === node);
    if (member !== undefined) return member;
    const discovered = this.spec.discoverMembers;
    if (discovered !== undefined) return { node, priority: discovered.priority, roleOnStart: 'secondary' };
    throw new Error(`resource ${this.spec.name} has no section for node ${node}`);
  }

  /** A reloaded definition: the state stays as it is, later decisions follow the new one. */
  redefine(ctx: NodeContext, spec: ResourceSpec): void {
    this.spec = spec;
    this.voterSet = undefined;
    this.priority = this.memberSpec(ctx.self).priority;
    this.slot.setTimeout(spec.scriptTimeout);
    ctx.log('notice', `${this.name}: definition reloaded`);
  }

  // ---------------------------------------------------------------------------------------------
  // The lifecycle: every event goes through the table (lifecycle.ts).

  private fire(ctx: NodeContext, event: LifecycleEvent, data: EventData = NO_DATA): void {
    const transition = transitionFor(this.phase.name, event);
    if (transition === undefined) {
      throw new Error(`${this.name}: ${event} cannot happen in ${this.phase.name} (${JSON.stringify(this.phase)})`);
    }
    this.transitions[transition](ctx, data);
  }

  private readonly transitions: Record<Transition, (ctx: NodeContext, data: EventData) => void> = {
    ignore: () => {},
    'decide-initial': (ctx) => this.decideInitial(ctx),
    'decide-found': (ctx) => this.decideFound(ctx),
    'decide-standby': (ctx) => this.decideStandby(ctx),
    'decide-holding': (ctx) => this.decideHolding(ctx),
    'decide-stopping': (ctx) => this.decideStopping(ctx),
    'end-grace': (ctx) => this.endGrace(ctx),
    'explain-errored': () => this.explainErrored(),
    'explain-watching': () => this.explainWatching(),
    'probe-done': (ctx, d) => this.probeDone(ctx, outcomeOf(d)),
    'clean-up-done': (ctx, d) => this.cleanUpDone(ctx, outcomeOf(d)),
    'fence-done': (ctx, d) => this.fenceDone(ctx, outcomeOf(d)),
    'start-done': (ctx, d) => this.startDone(ctx, outcomeOf(d)),
    'monitor-done': (ctx, d) => this.monitorDone(ctx, outcomeOf(d)),
    'stop-done': (ctx, d) => this.stopDone(ctx, outcomeOf(d)),
    'hand-back': (ctx) => this.handBack(ctx),
    'step-aside': (ctx) => this.stepAside(ctx),
    'start-forced': (ctx) => this.beginStart(ctx, 'forced start'),
    'start-after-stop': () => this.startAfterStop(),
    'clear-error': (ctx) => this.clearError(ctx),
    'release-for-term': (ctx) => this.release(ctx, 'term', 'shutting down'),
    'stop-for-term': () => this.stopForTerm(),
    'rejoin-initial': (ctx) => this.rejoinInitial(ctx),
    'step-down': (ctx) => this.stepDown(ctx),
    'cancel-role-stop': () => this.cancelRoleStop(),
    'release-for-role': (ctx) => this.release(ctx, this.roleStopReason(), `role ${this.role}`),
    'stop-for-role': () => this.stopForRole(),
    'leave-service': (ctx) => this.leaveService(ctx),
    withdraw: (ctx, d) => this.withdrawHere(ctx, d.why),
  };

  /**
   * The one place the state changes; operators and peers see FreeHA's name of it. `why` is said
   * in words for the operator's timeline (hastmonctl events) and the log.
   */
  private become(ctx: NodeContext, next: Phase, why: string): void {
    // A restart in place (local_restarts) keeps holding: it is not counted again.
    const restarting = this.phase.name === 'STOPPING' && this.phase.reason === 'restart';
    if (!isHoldingPhase(this.phase) && !restarting && isHoldingPhase(next)) this.timesHeld += 1;
    const before = shownState(this.phase);
    this.phase = next;
    const after = shownState(next);
    if (after === before) return;
    ctx.log('info', `${this.name}: ${before} -> ${after} (${why})`);
    ctx.emit({ kind: 'event', resource: this.name, subject: 'state', from: before, to: after, reason: why });
    ctx.emit({ kind: 'state-changed' });
    if (this.spec.alert) this.slot.alert([String(RESOURCE_STATES.indexOf(after)), after]);
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
      dirty: this.stopFailed(),
      offline: ctx.now < this.offlineUntil,
      vote: this.ballot.vote,
      voteEcho: this.ballot.echo(ctx, sentAt),
    };
  }

  /**
   * Writes into `into` what the others would see change in our report: its fields but the echo
   * (which the step's vote has brought up to date already). Fields, not text: it runs every step.
   */
  fingerprint(ctx: NodeContext, into: ReportFingerprint): void {
    into.state = this.state;
    into.role = this.role;
    into.eligible = this.isEligible(ctx);
    into.yielding = this.yielding;
    into.forced = this.forced;
    into.dirty = this.stopFailed();
    into.offline = ctx.now < this.offlineUntil;
    into.vote = this.ballot.vote;
  }

  holds(): boolean {
    return isHolding(this.state, this.stopFailed());
  }

  /**
   * Holds it as this node's own: a copy found running at start-up, judged and then stopped, never
   * was (no role change to announce for it); one adopted is from then on.
   */
  private holdsAsItsOwn(): boolean {
    const phase = this.phase;
    return this.holds() && phase.name !== 'FOUND' && !(phase.name === 'STOPPING' && phase.reason === 'cleanup');
  }

  private stopFailed(): boolean {
    return this.phase.name === 'ERRORED' && this.phase.stopFailed;
  }

  /** Nothing is starting, running or stopping here and no script runs. */
  settled(): boolean {
    const state = this.state;
    return state !== 'STARTING' && state !== 'RUNNING' && state !== 'STOPPING' && this.slot.running() === undefined;
  }

  /** A failed stop: the resource may still run here, so this node must stay and keep others off it. */
  blocksLeaving(): boolean {
    return this.stopFailed();
  }

  private isServiceRole(): boolean {
    return this.role === 'primary' || this.role === 'secondary';
  }

  private isEligible(ctx: NodeContext): boolean {
    return (
      this.isServiceRole() &&
      this.phase.name === 'STANDBY' &&
      !this.retiring &&
      ctx.gatewayReachable &&
      ctx.now >= this.offlineUntil &&
      ctx.now >= ctx.listenUntil &&
      this.reachesQuorum(ctx)
    );
  }

  /**
   * Whether this node and the voters it exchanges heartbeats with both ways make a quorum. Only
   * those can endorse it (vote.ts), so a node short of them could never be elected; as a candidate
   * it would only draw votes away from one that can.
   */
  private reachesQuorum(ctx: NodeContext): boolean {
    if (!ctx.rules.endorseOnlyNodesHearingUs) return true;
    return this.votersBothWays(ctx) >= this.quorum(ctx);
  }

  /** The voters this node hears both ways, itself included, and etcd when it could endorse this node. */
  private votersBothWays(ctx: NodeContext): number {
    const etcd = ctx.etcd !== null && this.etcd.couldEndorse() ? 1 : 0;
    return this.outlookNow(ctx).bothWays + etcd;
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

  /** Never to be changed by the caller: it is kept for the next call. */
  voters(ctx: NodeContext): ReadonlySet<string> {
    // Configured voters change only with the definition; discovered ones only with the table.
    const version = this.spec.discoverMembers === undefined ? -1 : ctx.peers.version;
    if (this.voterSet === undefined || version !== this.voterSetVersion) {
      const voters = votersOf(this.spec, ctx.self, ctx.peers);
      // The same voters in the same order are kept as they were: what was derived from them holds.
      if (this.voterSet === undefined || !sameVoters(voters, this.voterSet)) this.voterSet = voters;
      this.voterSetVersion = version;
    }
    return this.voterSet;
  }

  voterCount(ctx: NodeContext): number {
    return voterCountOf(this.spec, this.voters(ctx), ctx.etcd !== null);
  }

  private quorum(ctx: NodeContext): number {
    return ctx.rules.quorumSize(this.voterCount(ctx), ctx.etcd !== null);
  }

  private isTwoNode(ctx: NodeContext): boolean {
    return isTwoVoterCluster(this.voterCount(ctx), ctx.etcd !== null);
  }

  /** What this node sees of the other voters now (outlook-cache.ts). */
  private outlookNow(ctx: NodeContext): Readonly<Outlook> {
    return this.outlook.read(ctx, this.name, this.voters(ctx));
  }

  private visiblePeerReports(ctx: NodeContext): readonly PeerReport[] {
    return this.outlookNow(ctx).visible;
  }

  /** Nodes that hold the resource, this one included; one that is stopping yields to the others. */
  private holders(ctx: NodeContext): Contender[] {
    const out = this.outlookNow(ctx).holders.slice();
    if (this.holds()) out.push({ ...this.selfContender(ctx), yielding: this.yielding || this.state === 'STOPPING' });
    return out;
  }

  private candidates(ctx: NodeContext): Contender[] {
    const out = this.outlookNow(ctx).candidates.slice();
    if (this.isEligible(ctx)) out.push(this.selfContender(ctx));
    return out;
  }

  /** A node that stepped down stops yielding once the resource runs elsewhere: its hand-over is done. */
  private noticeHandOverDone(ctx: NodeContext): void {
    if (!this.yielding || this.holds()) return;
    if (this.visiblePeerReports(ctx).some((p) => p.report.state === 'RUNNING')) this.yielding = false;
  }

  private endorsementQuery(ctx: NodeContext, since: number): EndorsementQuery {
    return {
      resource: this.name,
      node: ctx.self,
      ownVote: this.ballot.vote,
      voters: this.voters(ctx),
      since,
      now: ctx.now,
      etcdUntil: ctx.etcd === null ? -Infinity : this.etcd.endsAt(ctx, ctx.etcd),
    };
  }

  /**
   * The one place that decides whether this node wishes to own the resource's etcd key: while it
   * holds the resource (starting, running, stopping, a copy found running, a failed stop), and as a
   * standby only when the election says it should be the holder (it endorses itself), never merely
   * because it is eligible. It gives the key up once its stop has ended cleanly, so that the next
   * node need not wait for the TTL.
   */
  private wantsEtcdKey(ctx: NodeContext): boolean {
    if (this.holds()) return true;
    return this.phase.name === 'STANDBY' && !this.retiring && this.ballot.vote === ctx.self && this.isEligible(ctx);
  }

  /** This node itself, or a peer whose heartbeats show it hears this one (quorum.ts). */
  private hearsUs(ctx: NodeContext, node: string): boolean {
    if (node === ctx.self || !ctx.rules.endorseOnlyNodesHearingUs) return true;
    return hearsUs(ctx.peers, node, ctx.self, ctx.now, ctx.bootAt, ctx.timing);
  }

  /** Votes with a lease (DESIGN §4.3): nobody before this node may vote, then as vote.ts says. */
  private updateVote(ctx: NodeContext): void {
    let wanted =
      ctx.now < votingFrom(ctx.bootAt, ctx.timing)
        ? ''
        : wantedEndorsement(
            this.holders(ctx).filter((c) => this.hearsUs(ctx, c.node)),
            this.candidates(ctx).filter((c) => this.hearsUs(ctx, c.node)),
            this.outlookNow(ctx).startingUp,
          );
    if (wanted === ctx.self && this.phase.name === 'STANDBY' && this.outvoted(ctx) !== undefined) wanted = '';
    this.ballot.offer(ctx, wanted);
  }

  /**
   * A more preferred candidate that a voter in touch with this one endorses. Voters whose views
   * differed when they voted may split between two candidates, each holding its voters to their
   * promise: the less preferred one gives up its own candidacy (endorsing nobody frees its voters
   * at once), so that the votes gather on the more preferred. The order is total, so the most
   * preferred never gives way and the split cannot go round in circles.
   */
  private outvoted(ctx: NodeContext): string | undefined {
    if (!ctx.rules.endorseOnlyNodesHearingUs) return undefined;
    const me = this.selfContender(ctx);
    const reports = this.visiblePeerReports(ctx);
    for (const { node, report } of reports) {
      if (report.vote === '' || report.vote === ctx.self || report.vote === node || !this.hearsUs(ctx, node)) continue;
      const rival = reports.find((p) => p.node === report.vote);
      if (rival !== undefined && rival.report.eligible && comparePreference(contenderOf(rival.node, rival.report), me) < 0) return rival.node;
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs.

  /** Whether this node should answer the heartbeat at once (see below). */
  onHeartbeat(ctx: NodeContext, heartbeat: Heartbeat): 'none' | 'answer' | 'changed' {
    const report = heartbeat.resources.find((r) => r.name === this.name);
    if (report === undefined) return 'none';
    const previous = ctx.peers.previousReport(heartbeat.node, this.name);
    if (reportHolds(report)) this.uncleanHolder = heartbeat.node;
    else if (this.uncleanHolder === heartbeat.node) this.uncleanHolder = '';
    // A complaint: a voter that endorsed some other node gave up on it and now endorses this one.
    const gaveUp = previous !== undefined && previous.vote !== '' && previous.vote !== ctx.self && previous.vote !== heartbeat.node;
    if (report.vote === ctx.self && gaveUp) {
      if (!this.holds()) this.notices.complaint(ctx, heartbeat.node, this.spec.notify);
    }
    // The node endorsed here counts this node's endorsement only once it hears it echo a heartbeat
    // of its candidacy or hold: answer rather than wait for this node's next heartbeat, paced like
    // any answer; in the same step when the endorsed node's report changed (a new candidate waits
    // for exactly that echo to start).
    if (heartbeat.node !== this.ballot.vote || heartbeat.node === ctx.self) return 'none';
    const changed = previous === undefined || previous.vote !== report.vote || previous.state !== report.state;
    return changed ? 'changed' : 'answer';
  }

  /**
   * From when a holder should send its heartbeats more often: two heartbeats before its valid
   * endorsements would fall below a quorum, so that under loss its voters get more chances to
   * echo one in time (they answer each at once). Infinity when it holds nothing or needs no quorum.
   */
  hurryFrom(ctx: NodeContext): number {
    if (!isHoldingPhase(this.phase) || this.forced || this.isTwoNode(ctx)) return Infinity;
    const lapse = quorumLapsesAt(ctx.peers, ctx.timing, this.endorsementQuery(ctx, ctx.bootAt), this.quorum(ctx));
    return lapse - 2 * ctx.timing.heartbeatInterval;
  }

  /** The shell's news of the resource's etcd key. */
  onEtcdClaim(ctx: NodeContext, claim: EtcdClaim): void {
    this.etcd.onClaim(ctx, claim);
  }

  onScriptDone(ctx: NodeContext, runId: number, outcome: ScriptOutcome): void {
    const finished = this.slot.finish(runId, ctx.now);
    if (finished === undefined) return; // killed or unknown: its result means nothing now
    switch (finished.action) {
      case 'alert':
      case 'notify':
        if (outcome.code !== 0 || outcome.timedOut) ctx.log('warning', `${this.name}: ${finished.action} script ${describeOutcome(outcome)}`);
        return;
      default:
        this.fire(ctx, `${finished.action}-done`, { outcome });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Operator commands: what applies in every state here, the rest through the table.

  hup(ctx: NodeContext): void {
    this.fire(ctx, 'hup');
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
    this.yielding = false;
    this.attempts = 0;
    this.restartsHere = 0;
    this.fire(ctx, 'force-start');
  }

  /** USR2, hastmonctl clear: forget errors and an offline period; eligible again. */
  clear(ctx: NodeContext): void {
    this.attempts = 0;
    this.restartsHere = 0;
    if (this.offlineUntil > ctx.now) ctx.log('notice', `${this.name}: offline period ended early`);
    this.offlineUntil = -Infinity;
    this.fire(ctx, 'clear');
  }

  terminate(ctx: NodeContext): void {
    this.retiring = true;
    this.fire(ctx, 'terminate');
  }

  setRole(ctx: NodeContext, role: Role): void {
    if (role === this.role) {
      if (role === 'primary') this.yielding = false;
      return;
    }
    const old = this.role;
    this.role = role;
    ctx.log('notice', `${this.name}: role ${old} -> ${role}`);
    if (this.isServiceRole()) {
      this.yielding = false;
      this.fire(ctx, 'role-service');
    } else {
      this.fire(ctx, 'role-other');
    }
  }

  /** No longer fit to hold (the gateway is unreachable): release, and stay ineligible meanwhile. */
  withdraw(ctx: NodeContext, why: string): void {
    this.fire(ctx, 'withdraw', { why: `${why}: releasing it` });
  }

  offline(ctx: NodeContext, durationMs: number): void {
    this.offlineUntil = ctx.now + durationMs;
    ctx.log('notice', `${this.name}: offline for ${Math.round(durationMs / 1000)} s`);
    this.fire(ctx, 'withdraw');
  }

  // ---------------------------------------------------------------------------------------------
  // Decisions, taken after every input.

  evaluate(ctx: NodeContext): void {
    this.notices.visibility(ctx, this.outlookNow(ctx).visibleNames, this.spec.notify);
    this.noticeHandOverDone(ctx);
    this.updateVote(ctx);
    this.fire(ctx, 'evaluate');
    this.updateVote(ctx);
    this.notices.pruneComplaints(ctx, this.spec.complaintInterval);
    this.noticeRunningHolder(ctx);
    this.runBackgroundScripts(ctx);
    this.notices.shownRole(ctx, shownRole(this.role, this.holdsAsItsOwn()), this.spec.notify);
    if (ctx.etcd !== null) this.etcd.wish(ctx, this.wantsEtcdKey(ctx));
    this.noticeHolderChange(ctx);
  }

  /** The holder as this node sees it: the most preferred of the nodes holding, '' for none. */
  private holder(ctx: NodeContext): string {
    return mostPreferred(this.holders(ctx))?.node ?? '';
  }

  /** One event each time the holder seen here changes, with why (after every input). */
  private noticeHolderChange(ctx: NodeContext): void {
    const holder = this.holder(ctx);
    if (holder === this.seenHolder) return;
    const from = this.seenHolder;
    this.seenHolder = holder;
    const reason = explainHolderChange(ctx, this.name, from, holder, { holds: this.holds(), doing: this.doingHere() });
    ctx.log('info', `${this.name}: holder ${from === '' ? 'none' : from} -> ${holder === '' ? 'none' : holder} (${reason})`);
    ctx.emit({ kind: 'event', resource: this.name, subject: 'holder', from, to: holder, reason });
  }

  /** What this node does with the resource, in the words of a holder change. */
  private doingHere(): string {
    switch (this.phase.name) {
      case 'STARTING':
        return this.forced ? 'this node is starting it (forced)' : 'this node is starting it';
      case 'RUNNING':
        return 'this node runs it';
      case 'FOUND':
        return 'found running here at start-up';
      case 'STOPPING':
      case 'GRACE':
        return 'this node is stopping it';
      case 'ERRORED':
        return this.phase.stopFailed ? 'a stop failed here: it may still run here' : 'released here as ERRORED';
      default:
        return `this node released it (now ${this.state})`;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Transitions from INITIAL and FOUND: the start-up check (FreeHA: monitor once before holding).

  private decideInitial(ctx: NodeContext): void {
    if (this.phase.name !== 'INITIAL') return;
    const probe = this.phase.probe;
    if (probe === 'checking' || probe === 'cleaning') return; // the start-up check finishes first
    if (!this.isServiceRole()) {
      if (this.role === 'watchdog') this.become(ctx, { name: 'WATCHING' }, 'role watchdog');
      else this.reason = 'role init: waiting for hastmonctl role';
      return;
    }
    if (this.retiring) {
      // Never a candidate again; not INITIAL either, which would hold up the others' elections.
      this.become(ctx, { name: 'STANDBY' }, 'shutting down');
      return;
    }
    if (probe === 'todo') {
      this.become(ctx, { name: 'INITIAL', probe: 'checking' }, 'checking whether it already runs here');
      this.reason = 'checking whether it already runs here';
      this.run(ctx, 'probe', []);
      return;
    }
    // Still INITIAL while listening: the others then know to wait for this node.
    if (ctx.now < ctx.listenUntil) {
      this.reason = 'listening for the other nodes';
      return;
    }
    this.become(ctx, { name: 'STANDBY' }, 'start-up check done: not running here');
  }

  private probeDone(ctx: NodeContext, outcome: ScriptOutcome): void {
    if (succeeded(outcome)) {
      // A copy runs here: from now on this node reports it (as a holder on its way out, unless it
      // is adopted), so that nobody starts another one while this node decides.
      ctx.log('notice', `${this.name}: found running at start-up`);
      this.become(ctx, { name: 'FOUND', foundAt: ctx.now }, 'found running at start-up');
      return;
    }
    if (outcome.code !== 1) ctx.log('warning', `${this.name}: start-up monitor ${describeOutcome(outcome)}; cleaning up with stop`);
    if (this.forced) {
      this.beginStart(ctx, 'forced start');
      return;
    }
    this.become(ctx, { name: 'INITIAL', probe: 'cleaning' }, 'cleaning up with stop');
    this.run(ctx, 'stop', []);
  }

  /** The start-up clean-up stop ended: INITIAL until the start-up wait is over too. */
  private cleanUpDone(ctx: NodeContext, outcome: ScriptOutcome): void {
    if (!succeeded(outcome)) {
      this.stopFailedHere(ctx, outcome);
      return;
    }
    this.become(ctx, { name: 'INITIAL', probe: 'done' }, 'cleaned up');
  }

  /**
   * FreeHA's start-up rule, with a quorum's care: a copy found running is kept (adopted) only when
   * nobody else holds the resource and, where a quorum applies, a quorum of voters endorses this
   * node for it, as they would a holder; meanwhile the node reports it as a holder about to stop,
   * so that nobody starts it. Otherwise, or if the endorsements do not come in time, it is stopped.
   */
  private decideFound(ctx: NodeContext): void {
    if (this.phase.name !== 'FOUND') return;
    if (this.forced || !ctx.rules.foundCopyNeedsEndorsement) {
      this.adopt(ctx, this.forced ? 'forced' : 'nobody asked');
      return;
    }
    const objection = this.foundCopyObjection(ctx, this.phase.foundAt);
    if (objection !== undefined) {
      const why = `found running here but ${objection}: stopping it here`;
      ctx.log('warning', `${this.name}: ${why}`);
      const reason: StopReason = this.isServiceRole() ? 'cleanup' : this.roleStopReason();
      this.become(ctx, { name: 'STOPPING', reason, thenForceStart: false }, why);
      this.run(ctx, 'stop', []);
      return;
    }
    if (this.isTwoNode(ctx)) {
      if (ctx.now < ctx.listenUntil) this.reason = 'found running; listening for the other node first';
      else this.adopt(ctx, 'nobody else holds it');
      return;
    }
    const quorum = this.quorum(ctx);
    const endorsements = countEndorsements(ctx.peers, ctx.timing, this.endorsementQuery(ctx, ctx.bootAt));
    if (endorsements >= quorum) {
      this.adopt(ctx, `${endorsements} of ${quorum} voters endorse keeping it`);
      return;
    }
    this.reason = `found running: waiting for endorsements to keep it (${endorsements} of ${quorum})`;
  }

  /** Why a copy found running here must be stopped now, or undefined while it may still be kept. */
  private foundCopyObjection(ctx: NodeContext, foundAt: number): string | undefined {
    if (this.retiring) return 'hastmon is shutting down';
    if (!this.isServiceRole()) return `this node's role is ${this.role}`;
    if (this.yielding) return 'HUP asked for it elsewhere';
    const other = this.holders(ctx).find((h) => h.node !== ctx.self);
    if (other !== undefined) return `${other.node} holds it`;
    if (this.isTwoNode(ctx)) return undefined;
    const elsewhere = this.visiblePeerReports(ctx).find((p) => p.report.vote !== '' && p.report.vote !== ctx.self);
    if (elsewhere !== undefined) return `${elsewhere.node} endorses ${elsewhere.report.vote}`;
    if (ctx.now >= adoptionDeadline(foundAt, ctx)) return 'no quorum endorsed keeping it in time';
    return undefined;
  }

  private adopt(ctx: NodeContext, why: string): void {
    const adopting = `adopting it: found running here and ${why}`;
    ctx.log('notice', `${this.name}: ${adopting}`);
    this.nowRunning(ctx, adopting);
  }

  // ---------------------------------------------------------------------------------------------
  // Transitions from STANDBY: the election.

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
    const vote = this.ballot.vote;
    if (vote !== ctx.self) {
      this.reason = vote === '' ? 'no node to endorse yet' : `endorsing ${vote}`;
      return;
    }
    const elected = this.electedHere(ctx);
    if (elected === undefined) return;
    this.beginStart(ctx, elected);
  }

  private ineligibleReason(ctx: NodeContext): string {
    if (ctx.now < ctx.listenUntil) return 'listening for the other nodes';
    if (!ctx.gatewayReachable) return 'gateway unreachable: withdrawn';
    if (ctx.now < this.offlineUntil) return `offline for ${Math.ceil((this.offlineUntil - ctx.now) / 1000)} s`;
    if (!this.isServiceRole()) return `role ${this.role}`;
    const etcd = ctx.etcd !== null && !this.etcd.couldEndorse() ? ` (${this.etcd.whyNot()})` : '';
    return `in touch both ways with ${this.votersBothWays(ctx)} of the ${this.quorum(ctx)} voters a quorum needs${etcd}`;
  }

  /**
   * DESIGN §4.4, §4.6: a quorum of voters endorses this node, or FreeHA's rule with two nodes.
   * Why it is elected, in words; undefined while it is not (the reason then says why).
   */
  private electedHere(ctx: NodeContext): string | undefined {
    const quorum = this.quorum(ctx);
    const since = this.ballot.selfVoteSince;
    const endorsements = countEndorsements(ctx.peers, ctx.timing, this.endorsementQuery(ctx, since));
    if (endorsements < quorum) {
      this.reason = `no quorum: ${endorsements} of ${quorum} endorsements needed (${this.voterCount(ctx)} voters)`;
      return undefined;
    }
    if (this.isTwoNode(ctx)) {
      // The other node must agree while it is seen, unless it shows no sign of hearing this one:
      // then, as with FreeHA's silent peer, it could never agree.
      const seen = this.visiblePeerReports(ctx).filter((p) => this.hearsUs(ctx, p.node));
      const holdout = twoVoterHoldout(seen, ctx.self, since);
      if (holdout !== undefined) {
        this.reason = `waiting for ${holdout} to endorse this node`;
        return undefined;
      }
      const other = this.visiblePeerReports(ctx).length === 0 ? 'the other node is silent' : 'the other node agrees';
      return `elected: ${other}`;
    }
    return `elected: ${endorsements} of ${this.voterCount(ctx)} voters endorse it (quorum ${quorum})`;
  }

  private beginStart(ctx: NodeContext, why: string): void {
    this.yielding = false;
    this.become(ctx, { name: 'STARTING', retryAt: -Infinity }, why);
    this.reason = this.forced ? 'forced start' : 'elected: starting';
    this.runStartOrFence(ctx);
  }

  // ---------------------------------------------------------------------------------------------
  // Transitions from STARTING and RUNNING: keeping it, or letting it go.

  private runStartOrFence(ctx: NodeContext): void {
    const target = this.uncleanHolder;
    if (this.spec.fence && target !== '' && target !== ctx.self) {
      ctx.log('notice', `${this.name}: fencing ${target} before taking over`);
      this.run(ctx, 'fence', [target]);
    } else {
      this.run(ctx, 'start', []);
    }
  }

  private fenceDone(ctx: NodeContext, outcome: ScriptOutcome): void {
    if (succeeded(outcome)) this.run(ctx, 'start', []);
    else this.attemptFailed(ctx, `fence script ${describeOutcome(outcome)}`);
  }

  private startDone(ctx: NodeContext, outcome: ScriptOutcome): void {
    if (!succeeded(outcome)) {
      this.attemptFailed(ctx, `start script ${describeOutcome(outcome)}`);
      return;
    }
    ctx.log('notice', `${this.name}: started`);
    this.nowRunning(ctx, 'started');
  }

  private nowRunning(ctx: NodeContext, why: string): void {
    this.become(ctx, { name: 'RUNNING', nextMonitorAt: ctx.now + this.spec.monitorInterval, monitorFailures: 0, monitorSuccesses: 0 }, why);
    this.uncleanHolder = '';
  }

  private attemptFailed(ctx: NodeContext, what: string): void {
    if (this.phase.name !== 'STARTING') return;
    this.attempts++;
    if (this.attempts < this.spec.attempts) {
      ctx.log('warning', `${this.name}: ${what} (attempt ${this.attempts} of ${this.spec.attempts}); retrying`);
      this.phase.retryAt = ctx.now + Math.min(this.spec.monitorInterval, 1000);
      return;
    }
    const why = `${what}; ${this.spec.attempts} attempts failed, releasing it as ERRORED`;
    ctx.log('error', `${this.name}: ${why}`);
    this.release(ctx, 'failed', why);
  }

  private monitorDone(ctx: NodeContext, outcome: ScriptOutcome): void {
    const running = this.phase;
    if (running.name !== 'RUNNING') return;
    running.nextMonitorAt = ctx.now + this.spec.monitorInterval;
    if (succeeded(outcome)) {
      running.monitorFailures = 0;
      running.monitorSuccesses++;
      if (running.monitorSuccesses >= HEALTHY_RUNS_TO_RESET_ATTEMPTS) {
        this.attempts = 0;
        this.restartsHere = 0;
      }
      return;
    }
    running.monitorSuccesses = 0;
    running.monitorFailures++;
    const what = outcome.code === STATUS_EXIT_STOPPED && !outcome.timedOut ? 'reports the resource stopped' : describeOutcome(outcome);
    ctx.log('warning', `${this.name}: monitor ${what} (${running.monitorFailures} of ${this.spec.monitorFall})`);
    if (running.monitorFailures < this.spec.monitorFall) return;
    running.monitorFailures = 0;
    if (this.restartsHere < this.spec.localRestarts) {
      this.restartsHere++;
      const why = `restarting here (local restart ${this.restartsHere} of ${this.spec.localRestarts})`;
      ctx.log('warning', `${this.name}: ${why}`);
      this.release(ctx, 'restart', why);
    } else {
      // FreeHA: a failure the daemon did not ask for releases the resource, and the next node
      // takes it over at once; this node stays ERRORED until the operator clears it.
      const why = `monitor failed ${this.spec.monitorFall} times in a row${this.spec.localRestarts > 0 ? ` after ${this.spec.localRestarts} local restarts` : ''}; releasing it as ERRORED`;
      ctx.log('error', `${this.name}: ${why}`);
      this.release(ctx, 'failed', why);
    }
  }

  private decideHolding(ctx: NodeContext): void {
    if (this.lostQuorum(ctx) || this.yieldToOtherHolder(ctx) || this.handOver(ctx)) return;
    this.reason = this.phase.name === 'RUNNING' ? 'running here' : 'starting here';
    if (this.phase.name === 'STARTING' && this.slot.running() === undefined && ctx.now >= this.phase.retryAt) {
      this.runStartOrFence(ctx);
    }
  }

  /** DESIGN §4.5: fewer than a quorum of valid endorsements: stop at once (self-fencing). */
  private lostQuorum(ctx: NodeContext): boolean {
    const lost = this.quorumLost(ctx);
    if (lost === undefined) return false;
    const why = `lost quorum (${lost}): stopping it here (self-fencing)`;
    ctx.log('warning', `${this.name}: ${why}`);
    this.release(ctx, 'self-fence', why);
    return true;
  }

  /** Why this holder may not keep the resource for want of endorsements, or undefined if it may. */
  private quorumLost(ctx: NodeContext): string | undefined {
    if (this.forced || this.isTwoNode(ctx)) return undefined;
    const quorum = this.quorum(ctx);
    const endorsements = countEndorsements(ctx.peers, ctx.timing, this.endorsementQuery(ctx, ctx.bootAt));
    return endorsements >= quorum ? undefined : `${endorsements} of ${quorum} valid endorsements`;
  }

  /** Two holders see each other (a forced start, a healed two-node partition): the less preferred stops. */
  private yieldToOtherHolder(ctx: NodeContext): boolean {
    const me = this.selfContender(ctx);
    const better = preferredHolder(this.visiblePeerReports(ctx), me);
    if (better === undefined) return false;
    const why = `also held by ${better.node}, which is preferred: stopping it here`;
    ctx.log('error', `${this.name}: ${why}`);
    this.release(ctx, 'conflict', why);
    return true;
  }

  /** `failback auto`, or a node given role primary: hand the resource over to a preferred candidate. */
  private handOver(ctx: NodeContext): boolean {
    if (this.phase.name !== 'RUNNING' || this.forced) return false;
    const me: Contender = { ...this.selfContender(ctx), yielding: false };
    const taker = handOverTaker(this.visiblePeerReports(ctx), me, this.spec.failback, this.role);
    if (taker === undefined) return false;
    const why = `handing over to ${taker.node}`;
    ctx.log('notice', `${this.name}: ${why}`);
    this.yielding = true;
    this.release(ctx, 'release', why);
    return true;
  }

  /** HUP: stop here and let the next node have it. */
  private handBack(ctx: NodeContext): void {
    const why = 'HUP: stopping here, handing over';
    ctx.log('notice', `${this.name}: ${why}`);
    this.yielding = true;
    this.leavePrimaryRole(ctx);
    this.release(ctx, 'release', why);
  }

  /** HUP where nothing runs yet, or while stopping: the next node is preferred from now on. */
  private stepAside(ctx: NodeContext): void {
    ctx.log('notice', `${this.name}: HUP: not here; ${shownState(this.phase)}, stepping aside for the next node`);
    this.yielding = true;
    this.leavePrimaryRole(ctx);
    // A stop meant to restart here ends as a release instead.
    if (this.phase.name === 'STOPPING' && this.phase.reason === 'restart') this.phase = { ...this.phase, reason: 'release' };
  }

  /**
   * A HUP is the operator's newer word than an earlier `role primary`: kept, that role would make
   * the next holder hand the resource straight back once this node's step-down is over, though
   * nothing moves a resource back on its own (DESIGN §4.2). `hastmonctl role primary` again asks
   * for it back.
   */
  private leavePrimaryRole(ctx: NodeContext): void {
    if (this.role !== 'primary') return;
    this.role = 'secondary';
    ctx.log('notice', `${this.name}: role primary -> secondary (HUP)`);
  }

  /** Role secondary given to a holder: a planned switchover. */
  private stepDown(ctx: NodeContext): void {
    if (this.role !== 'secondary') return;
    this.yielding = true;
    this.release(ctx, 'release', 'role secondary: handing over');
  }

  private withdrawHere(ctx: NodeContext, message: string | undefined): void {
    if (message !== undefined) ctx.log('warning', `${this.name}: ${message}`);
    this.release(ctx, 'release', message ?? 'offline: releasing it');
  }

  /** Stop holding: kill a start still running (its whole group), then run stop. */
  private release(ctx: NodeContext, reason: StopReason, why: string): void {
    if (!isHoldingPhase(this.phase)) return;
    this.become(ctx, { name: 'STOPPING', reason, thenForceStart: false }, why);
    this.run(ctx, 'stop', []);
  }

  // ---------------------------------------------------------------------------------------------
  // Transitions from STOPPING and GRACE.

  private decideStopping(ctx: NodeContext): void {
    if (this.slot.running() === undefined) this.run(ctx, 'stop', []);
    this.reason = 'stopping';
  }

  private endGrace(ctx: NodeContext): void {
    if (this.phase.name === 'GRACE' && this.phase.until <= ctx.now) this.toStandby(ctx, 'shutdown grace over');
    this.reason = 'stopping';
  }

  private stopDone(ctx: NodeContext, outcome: ScriptOutcome): void {
    const stopping = this.phase;
    if (stopping.name !== 'STOPPING') return;
    if (!succeeded(outcome)) {
      this.stopFailedHere(ctx, outcome);
      return;
    }
    const reason = stopping.reason;
    ctx.log('notice', `${this.name}: stopped (${reason})`);
    if (stopping.thenForceStart) {
      this.beginStart(ctx, 'forced start after the stop');
      return;
    }
    switch (reason) {
      case 'restart':
        // The restart must still be this node's to make: quorum may have gone while it stopped.
        if (this.quorumLost(ctx) !== undefined || this.holders(ctx).some((h) => h.node !== ctx.self)) {
          const why = 'not restarting here: no longer entitled to hold it';
          ctx.log('warning', `${this.name}: ${why}`);
          this.toStandby(ctx, why);
          return;
        }
        this.beginStart(ctx, 'stopped; restarting here');
        return;
      case 'failed':
        this.become(ctx, { name: 'ERRORED', stopFailed: false }, 'stopped after failures; clear with USR2 or hastmonctl clear');
        return;
      case 'to-init':
        this.become(ctx, { name: 'INITIAL', probe: 'todo' }, 'stopped for role init');
        return;
      case 'to-watchdog':
        this.become(ctx, { name: 'WATCHING' }, 'stopped for role watchdog');
        return;
      case 'term':
        if (ctx.timing.shutdownGrace > 0) {
          // Shown as stopping for the grace: the others wait, and the operator may change their mind.
          this.become(ctx, { name: 'GRACE', until: ctx.now + ctx.timing.shutdownGrace }, 'stopped; shutdown grace');
          return;
        }
        this.toStandby(ctx, `stopped (${reason})`);
        return;
      case 'release':
      case 'self-fence':
      case 'conflict':
      case 'cleanup':
        this.toStandby(ctx, `stopped (${reason})`);
        return;
    }
  }

  private toStandby(ctx: NodeContext, why: string): void {
    this.forced = false;
    this.attempts = 0;
    this.restartsHere = 0;
    this.become(ctx, { name: 'STANDBY' }, why);
  }

  private stopFailedHere(ctx: NodeContext, outcome: ScriptOutcome): void {
    const why = `stop script ${describeOutcome(outcome)}: it may still run here, so nobody else may start it until cleared`;
    ctx.log('error', `${this.name}: ${why}`);
    this.become(ctx, { name: 'ERRORED', stopFailed: true }, why);
  }

  /** USR1 while stopping: start again once the stop is done. */
  private startAfterStop(): void {
    if (this.phase.name !== 'STOPPING') return;
    this.phase = { ...this.phase, thenForceStart: true };
  }

  /** TERM while stopping: leave afterwards (a failed stop stays failed: ERRORED blocks leaving). */
  private stopForTerm(): void {
    if (this.phase.name !== 'STOPPING') return;
    this.phase = { name: 'STOPPING', reason: this.phase.reason === 'failed' ? 'failed' : 'term', thenForceStart: false };
  }

  // ---------------------------------------------------------------------------------------------
  // Transitions for roles and errors.

  private roleStopReason(): StopReason {
    return this.role === 'init' ? 'to-init' : 'to-watchdog';
  }

  /** A service role again: check whether it runs here, as at start. */
  private rejoinInitial(ctx: NodeContext): void {
    if (this.phase.name === 'INITIAL' && (this.phase.probe === 'checking' || this.phase.probe === 'cleaning')) return;
    this.slot.killAll(ctx);
    this.become(ctx, { name: 'INITIAL', probe: 'todo' }, `role ${this.role}: checking whether it runs here`);
  }

  /** Changed back to a service role before a stop for role init or watchdog ended. */
  private cancelRoleStop(): void {
    if (this.phase.name !== 'STOPPING') return;
    if (this.phase.reason === 'to-init' || this.phase.reason === 'to-watchdog') this.phase = { ...this.phase, reason: 'release' };
  }

  private stopForRole(): void {
    if (this.phase.name !== 'STOPPING') return;
    this.phase = { ...this.phase, reason: this.roleStopReason() };
  }

  /** Role init or watchdog where nothing runs: INITIAL (waiting for a role) or WATCHING. */
  private leaveService(ctx: NodeContext): void {
    if (this.phase.name === 'INITIAL' && (this.phase.probe === 'checking' || this.phase.probe === 'cleaning')) return; // the start-up check finishes first: a copy it finds must be stopped, not forgotten
    if (this.stopFailed()) return;
    this.slot.killAll(ctx);
    this.forced = false;
    this.become(ctx, this.role === 'init' ? { name: 'INITIAL', probe: 'todo' } : { name: 'WATCHING' }, `role ${this.role}`);
  }

  private clearError(ctx: NodeContext): void {
    const stopFailed = this.stopFailed();
    const why = `error cleared${stopFailed ? ' (a failed stop: the operator vouches it is stopped)' : ''}`;
    ctx.log('notice', `${this.name}: ${why}`);
    this.become(ctx, { name: 'STANDBY' }, why);
  }

  private explainErrored(): void {
    this.reason = this.stopFailed()
      ? 'ERRORED: a stop failed, the resource may still run here; clear with USR2 or hastmonctl clear'
      : 'ERRORED: clear with USR2 or hastmonctl clear';
  }

  private explainWatching(): void {
    const vote = this.ballot.vote;
    this.reason = vote === '' ? 'watching, endorsing nobody' : `watching, endorsing ${vote}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Scripts.

  private run(ctx: NodeContext, action: 'probe' | 'start' | 'stop' | 'monitor' | 'fence', args: string[]): void {
    this.slot.run(ctx, action, args);
  }

  /** A monitor that is due goes before any notification: it watches the service. */
  private runBackgroundScripts(ctx: NodeContext): void {
    if (this.slot.running() !== undefined) return;
    if (this.phase.name === 'RUNNING' && ctx.now >= this.phase.nextMonitorAt) {
      this.phase.nextMonitorAt = Infinity;
      this.run(ctx, 'monitor', []);
    }
  }

  /**
   * The next waiting notification, when the lifecycle leaves the slot free and the node's gate has
   * a place (the node offers the places to its resources in turn, after they all decided).
   */
  runQueuedNotification(ctx: NodeContext): boolean {
    if (ctx.now < this.notificationsWaitUntil(ctx)) return false;
    // Between start attempts the retry waits for a free slot: a notification must not hold it.
    if (this.phase.name === 'STARTING') return false;
    return this.slot.runQueuedNotification(ctx);
  }

  hasWaitingNotifications(): boolean {
    return this.slot.waiting().length > 0;
  }

  /**
   * Notifications wait while the resource changes hands, so that no fork holds up a step of it:
   * - a candidate waits for its voters' answers, due one network hop after its candidacy: a
   *   notification started meanwhile would be killed by the start (the lifecycle owns the slot)
   *   and its fork would hold the start up;
   * - every other node, from the moment nobody is seen running the resource any more until a node
   *   runs it again: the old holder after its stop, the voters as they answer the next node. A
   *   fork blocks the loop for a millisecond or more, and an answer arriving meanwhile waits for it.
   * A lease at most in both cases: a resource nobody takes over does not silence its scripts.
   */
  private notificationsWaitUntil(ctx: NodeContext): number {
    const handOver = this.runningSeen ? -Infinity : this.holderGoneAt + ctx.timing.lease;
    if (this.phase.name !== 'STANDBY' || this.ballot.vote !== ctx.self) return handOver;
    return Math.max(handOver, this.ballot.selfVoteSince + ctx.timing.lease);
  }

  /** Keeps runningSeen and holderGoneAt (notificationsWaitUntil) up to date. */
  private noticeRunningHolder(ctx: NodeContext): void {
    const running = this.phase.name === 'RUNNING' || this.visiblePeerReports(ctx).some((p) => p.report.state === 'RUNNING');
    if (running === this.runningSeen) return;
    this.runningSeen = running;
    this.holderGoneAt = running ? -Infinity : ctx.now;
  }

  // ---------------------------------------------------------------------------------------------
  // Notifications and bookkeeping.

  /** The latest local time at which this resource needs a tick, given nothing else happens. */
  nextWakeAt(ctx: NodeContext): number {
    const phase = this.phase;
    const now = ctx.now;
    let t = this.ballot.wakeAt(ctx);
    t = sooner(t, phase.name === 'RUNNING' && this.slot.running() === undefined ? phase.nextMonitorAt : Infinity, now);
    t = sooner(t, phase.name === 'STARTING' ? phase.retryAt : Infinity, now);
    t = sooner(t, phase.name === 'FOUND' ? adoptionDeadline(phase.foundAt, ctx) : Infinity, now);
    t = sooner(t, phase.name === 'GRACE' ? phase.until : Infinity, now);
    t = sooner(t, this.notificationsWaitUntil(ctx), now);
    t = sooner(t, this.offlineUntil, now);
    t = sooner(t, votingFrom(ctx.bootAt, ctx.timing), now);
    t = sooner(t, ctx.listenUntil, now);
    if (isHoldingPhase(phase)) {
      t = sooner(t, nextEndorsementExpiry(ctx.peers, ctx.timing, this.endorsementQuery(ctx, ctx.bootAt)), now);
      t = sooner(t, this.hurryFrom(ctx), now);
    }
    if (phase.name === 'STANDBY') {
      const since = this.ballot.selfVoteSince;
      // Not endorsing itself, it counts no peer's endorsement (none is that recent): etcd's alone.
      const expiry =
        since === Infinity
          ? (ctx.etcd === null ? -Infinity : this.etcd.endsAt(ctx, ctx.etcd))
          : nextEndorsementExpiry(ctx.peers, ctx.timing, this.endorsementQuery(ctx, since));
      t = sooner(t, expiry, now);
    }
    return sooner(t, this.votersTurnAt(ctx), now);
  }

  /**
   * The earliest time after now at which a voter is no longer heard or no longer hears us, if no
   * heartbeat arrives. The earliest after an earlier time stays the earliest until it is reached,
   * while the table and the voters are the same: then nothing is worked out again.
   */
  private votersTurnAt(ctx: NodeContext): number {
    const now = ctx.now;
    const voters = this.voters(ctx);
    const kept = this.voterTurn;
    if (kept.voters === voters && kept.version === ctx.peers.version && now >= kept.from && now < kept.at) return kept.at;
    let t = Infinity;
    for (const node of voters) {
      const peer = node === ctx.self ? undefined : ctx.peers.get(node);
      if (peer === undefined) continue;
      t = sooner(t, peer.heardAt + ctx.timing.deadtime, now);
      t = sooner(t, hearsUsUntil(ctx.peers, node, ctx.self, ctx.bootAt, ctx.timing), now);
    }
    kept.voters = voters;
    kept.version = ctx.peers.version;
    kept.from = now;
    kept.at = t;
    return t;
  }

  view(ctx: NodeContext): ResourceView {
    const holder = this.holder(ctx);
    return {
      name: this.name,
      state: this.state,
      role: this.role,
      priority: this.priority,
      attempts: this.attempts,
      maxAttempts: this.spec.attempts,
      holder,
      vote: this.ballot.vote,
      quorum: this.quorum(ctx),
      voters: this.voterCount(ctx),
      endorsements: countEndorsements(
        ctx.peers,
        ctx.timing,
        this.endorsementQuery(ctx, isHoldingPhase(this.phase) ? ctx.bootAt : this.ballot.selfVoteSince),
      ),
      quorate: this.votersBothWays(ctx) >= this.quorum(ctx),
      timesHeld: this.timesHeld,
      reason: this.reason,
      complaints: this.notices.complaints,
      offlineMs: Math.max(0, this.offlineUntil - ctx.now),
      forced: this.forced,
      peers: describePeers(ctx, this.spec, this.voters(ctx)),
      etcd: ctx.etcd === null ? null : this.etcd.view(ctx, ctx.etcd, ctx.self),
    };
  }
}

/**
 * A voter that heard the copy reported endorses it, as it would a holder, and may drop it a lease
 * after it last heard this node; this node cannot know which voters heard which report. So, like
 * a holder's endorsements, the copy may wait for adoption only for the endorsement window after
 * it was first reported.
 */
function adoptionDeadline(foundAt: number, ctx: NodeContext): number {
  return foundAt + foundCopyWindow(ctx.timing);
}

function sameVoters(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  const inB = b.values();
  for (const node of a) if (inB.next().value !== node) return false;
  return true;
}

/** The earlier of `earliest` and `t`, counting only times after `now` (a wake-up is in the future). */
function sooner(earliest: number, t: number, now: number): number {
  return t > now && t < earliest ? t : earliest;
}

function succeeded(outcome: ScriptOutcome): boolean {
  return outcome.code === 0 && !outcome.timedOut;
}

function outcomeOf(data: EventData): ScriptOutcome {
  if (data.outcome === undefined) throw new Error('a script event without its outcome');
  return data.outcome;
}

function describeOutcome(outcome: ScriptOutcome): string {
  if (outcome.timedOut) return 'timed out and was killed';
  if (outcome.code === null) return 'was killed by a signal';
  return outcome.code === 0 ? 'succeeded' : `exited ${outcome.code}`;
}
