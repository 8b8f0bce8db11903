// The safety property of DESIGN §4, checked on every step of a run.
//
// Claims. A node claims a resource from the moment its core asks for `start`, or adopts it (its
// core turns RUNNING without a start), until it asks for `stop` (or its machine crashes). Nobody
// may begin starting while another node claims, nor within the guard after the old claimant
// began stopping — unless that stop had already finished cleanly (exit 0): then the resource is
// known to be down there, and the margin, which covers a holder that may still be running it, has
// nothing left to cover.
//
// Pauses longer than the guard are outside that promise: while such a node sleeps, others may
// start, provided it stops as its first act on waking. Starts made meanwhile are judged when it
// wakes, and its claim then counts as ended when the pause began.
//
// Services found running at start-up (enabled at boot outside hastmon). Such a resource really
// runs on the node from the moment the node (re)starts until the node begins stopping it, its
// machine crashes, or the service dies by itself: the node holds it, without a claim. That it runs
// there while another node holds it is an overlap hastmon did not cause, so a found resource is
// judged by its own rules:
//  F1. Adopting is claiming. The core adopts only with a quorum's endorsement, so an adoption is
//      judged like a start against the other nodes' claims, begun by a start or an adoption.
//      A finder paused longer than the guard is judged as a paused claimant: starts elsewhere
//      meanwhile are allowed if it stops its copy as its first act on waking.
//  F2. No new start while it runs there once hastmon could know: a node beginning to hold it
//      while the copy runs is in violation when the finder's core had learned from its start-up
//      probe that the resource runs there and the starter's core had since read a heartbeat the
//      finder sent after learning it. (Until the finder adopts it: then the claim rule applies.)
//      A start before the probe answered, or cut off from the finder since, could not have known:
//      it overlaps through no fault of hastmon (counted, not flagged), and the finder must stop
//      its copy. A holder retrying its start begins nothing new.
//  F3. It is stopped or adopted: a node that exits (TERM) while a resource it found running
//      still runs there, neither adopted nor stopped, leaves a copy nobody watches.
// A found resource leaves no guard behind when its stop begins: no voter ever endorsed it.

export interface SafetyViolation {
  /** Real (simulated) time in ms. */
  at: number;
  resource: string;
  message: string;
}

type HowHeld = 'start' | 'adopt' | 'found';

interface Hold {
  /** When the current hold began, or null when not holding. */
  since: number | null;
  how: HowHeld;
  /** Found: when the core learned from its probe that the resource runs there, null before. */
  knownAt: number | null;
  /** When the last hold ended (stop begun, crash). */
  lastEnd: number;
  /** How the last hold began; a claim ('start', 'adopt') leaves the guard behind, a found copy does not. */
  endedHow: HowHeld | null;
  /** When the stop begun at lastEnd exited 0, or null if it has not (yet). */
  cleanStopAt: number | null;
}

interface Pause {
  since: number;
  /** Longer than the guard: the node may be overtaken, and must stop first on waking. */
  long: boolean;
}

interface Waking {
  pause: Pause;
  /** The pause as the node's own clock measured it. */
  localLength: number;
  /** Resources the node claimed when it woke. */
  held: string[];
}

interface DeferredStart {
  holder: string;
  /** The holder's claim was an adoption. */
  adopted: boolean;
  starter: string;
  resource: string;
  at: number;
  verb: string;
}

export interface SafetyTiming {
  guard: number;
  lease: number;
}

export class SafetyChecker {
  readonly violations: SafetyViolation[] = [];
  /** The smallest time seen between one node beginning to stop and another beginning to start. */
  closestHandover = Infinity;
  /** Starts that overlapped a resource found running elsewhere by a node that could not know (allowed, F2). */
  excusedFoundOverlaps = 0;
  private readonly holds = new Map<string, Map<string, Hold>>();
  private readonly pauses = new Map<string, Pause>();
  private readonly waking = new Map<string, Waking>();
  private deferred: DeferredStart[] = [];
  /** receiver>sender: the latest real send time of a heartbeat the receiver's core has read. */
  private readonly heardSent = new Map<string, number>();

  constructor(private readonly timing: SafetyTiming) {}

  /** `node` began starting `resource` (`start`), or was found running it without a start (`adopt`). */
  beginHold(node: string, resource: string, at: number, how: 'start' | 'adopt'): void {
    const verb = how === 'start' ? 'began starting' : 'took over a running resource';
    const own = this.holdOf(node, resource);
    // A holder running start again (a retry) begins nothing new: found copies judge new holds only.
    const continuing = own.since !== null && own.how !== 'found';
    for (const [other, hold] of this.holdsOf(resource)) {
      if (other === node) continue;
      if (hold.since !== null) {
        if (hold.how !== 'found' || !continuing) this.checkOverlap(node, other, hold, resource, at, how, verb);
      } else if (isClaim(hold.endedHow) && Number.isFinite(hold.lastEnd) && hold.cleanStopAt === null) {
        const margin = at - hold.lastEnd;
        this.closestHandover = Math.min(this.closestHandover, margin);
        if (margin < this.timing.guard) {
          const what = hold.endedHow === 'adopt' ? ' a copy it had adopted' : '';
          this.flag(at, resource, `${node} ${verb} ${margin.toFixed(1)} ms after ${other} began stopping${what} (guard ${this.timing.guard} ms)`);
        }
      }
    }
    if (own.since === null || own.how === 'found') {
      own.since = at;
      own.how = how;
      own.knownAt = null;
    }
  }

  private checkOverlap(node: string, other: string, hold: Hold, resource: string, at: number, how: 'start' | 'adopt', verb: string): void {
    if (hold.how === 'found') {
      if (how === 'adopt') return; // F1: both copies ran before hastmon claimed either
      const heard = this.heardSent.get(`${node}>${other}`) ?? -Infinity;
      if (hold.knownAt === null || heard < hold.knownAt) {
        this.excusedFoundOverlaps++;
        return;
      }
      if (this.pauses.get(other)?.long === true) {
        // As for a claim: a finder paused past the guard must stop its copy as its first act on waking.
        this.deferred.push({ holder: other, adopted: false, starter: node, resource, at, verb });
        return;
      }
      this.flag(at, resource, `${node} began starting while ${other} runs it (found running at ${other}'s start-up, known there since ${ms(hold.knownAt)}; ${node} heard ${other} since: a heartbeat sent at ${ms(heard)})`);
      return;
    }
    if (this.pauses.get(other)?.long === true) {
      this.deferred.push({ holder: other, adopted: hold.how === 'adopt', starter: node, resource, at, verb });
      return;
    }
    this.flag(at, resource, `${node} ${verb} while ${other} holds it (${hold.how === 'adopt' ? 'adopted' : 'started'} at ${ms(hold.since ?? NaN)})`);
  }

  /** `node` began stopping `resource`. */
  endHold(node: string, resource: string, at: number): void {
    const hold = this.holdOf(node, resource);
    if (hold.since === null) return;
    hold.endedHow = hold.how;
    hold.since = null;
    hold.lastEnd = at;
    hold.cleanStopAt = null;
  }

  /** A stop script of `node` exited 0: the resource is down there. */
  stopSucceeded(node: string, resource: string, at: number): void {
    const hold = this.holdOf(node, resource);
    if (hold.since === null && Number.isFinite(hold.lastEnd)) hold.cleanStopAt = at;
  }

  /** `node` (re)started with `resource` already running there. */
  foundRunning(node: string, resource: string, at: number): void {
    const hold = this.holdOf(node, resource);
    if (hold.since !== null) return;
    hold.since = at;
    hold.how = 'found';
    hold.knownAt = null;
  }

  /** The core of `node` read its start-up probe of `resource`. */
  probed(node: string, resource: string, at: number, running: boolean): void {
    const hold = this.holdOf(node, resource);
    if (running && hold.since !== null && hold.how === 'found' && hold.knownAt === null) hold.knownAt = at;
  }

  /** The core of `receiver` read a heartbeat `sender` sent at real time `sentAt`. */
  heard(receiver: string, sender: string, sentAt: number): void {
    const key = `${receiver}>${sender}`;
    this.heardSent.set(key, Math.max(this.heardSent.get(key) ?? -Infinity, sentAt));
  }

  /** A new core runs on `node`: it remembers nothing it heard before. */
  newCore(node: string): void {
    for (const key of [...this.heardSent.keys()]) if (key.startsWith(`${node}>`)) this.heardSent.delete(key);
  }

  /** A resource found running on `node` died by itself: nothing runs there any more. */
  serviceDied(node: string, resource: string, at: number): void {
    const hold = this.holdOf(node, resource);
    if (hold.how === 'found') this.endHold(node, resource, at);
  }

  /** Claims `node` holds now; a found resource is not a claim. */
  isClaiming(node: string, resource: string): boolean {
    const hold = this.holdsOf(resource).get(node);
    return hold !== undefined && hold.since !== null && hold.how !== 'found';
  }

  /** hastmon exited on `node` (TERM): it must leave nothing running behind (F3). */
  exited(node: string, at: number): void {
    for (const [resource, byNode] of this.holds) {
      const hold = byNode.get(node);
      if (hold?.since == null) continue;
      const what = hold.how === 'found' ? `it found running${hold.knownAt === null ? ' (before its probe answered)' : ''}` : 'it held';
      this.flag(at, resource, `${node} exited while ${resource}, which ${what}, still runs there`);
    }
  }

  /** The machine went down: its resources stopped with it, and so did any pause. */
  crashed(node: string, at: number): void {
    // Asleep past the guard, it could be overtaken already: as if it had stopped when it fell asleep.
    const pause = this.pauses.get(node);
    const end = pause?.long === true ? pause.since : at;
    for (const resource of this.holds.keys()) this.endHold(node, resource, end);
    this.pauses.delete(node);
    this.waking.delete(node);
    // Nobody can tell any more whether it would have stopped first: the crash stopped it.
    this.deferred = this.deferred.filter((d) => d.holder !== node);
  }

  paused(node: string, at: number, long: boolean): void {
    this.pauses.set(node, { since: at, long });
  }

  /** The node runs again; its next step is its first act. */
  resumed(node: string, localLength: number): void {
    const pause = this.pauses.get(node);
    if (pause === undefined) return;
    this.pauses.delete(node);
    const held = [...this.holds.keys()].filter((resource) => this.isClaiming(node, resource));
    // Starts judged on waking include those made while a copy it had found ran here (see checkOverlap).
    this.waking.set(node, { pause, localLength, held });
  }

  /** Called after each step; only the first after a pause matters. */
  stepped(node: string, at: number): void {
    const waking = this.waking.get(node);
    if (waking === undefined) return;
    this.waking.delete(node);
    const stoppedFirst = (resource: string): boolean => this.holdsOf(resource).get(node)?.since === null;
    for (const resource of waking.held) {
      const hold = this.holdOf(node, resource);
      if (stoppedFirst(resource)) {
        if (waking.pause.long) hold.lastEnd = waking.pause.since;
      } else if (waking.localLength > this.timing.lease) {
        const what = hold.how === 'adopt' ? ' (a copy it had adopted)' : '';
        this.flag(at, resource, `${node} held it${what} through a ${waking.localLength.toFixed(1)} ms pause and did not stop as its first act on waking`);
      }
    }
    const mine = this.deferred.filter((d) => d.holder === node);
    this.deferred = this.deferred.filter((d) => d.holder !== node);
    for (const d of mine) {
      if (!stoppedFirst(d.resource)) {
        const what = d.adopted ? ' (a copy it had adopted)' : '';
        this.flag(d.at, d.resource, `${d.starter} ${d.verb} while ${node} held it${what}, paused, and ${node} did not stop on waking`);
      }
    }
  }

  private flag(at: number, resource: string, message: string): void {
    this.violations.push({ at, resource, message });
  }

  private holdsOf(resource: string): Map<string, Hold> {
    let byNode = this.holds.get(resource);
    if (byNode === undefined) {
      byNode = new Map();
      this.holds.set(resource, byNode);
    }
    return byNode;
  }

  private holdOf(node: string, resource: string): Hold {
    const byNode = this.holdsOf(resource);
    let hold = byNode.get(node);
    if (hold === undefined) {
      hold = {
        since: null,
        how: 'start',
        knownAt: null,
        lastEnd: -Infinity,
        endedHow: null,
        cleanStopAt: null,
      };
      byNode.set(node, hold);
    }
    return hold;
  }
}

function isClaim(how: HowHeld | null): boolean {
  return how === 'start' || how === 'adopt';
}

function ms(at: number): string {
  return `${at.toFixed(1)} ms`;
}
