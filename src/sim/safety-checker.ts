// The safety property of DESIGN §4, checked on every step of a run: per resource, a node holds
// from the moment its core asks for `start` until it asks for `stop` (or its machine crashes);
// nobody may begin starting while another node holds, nor within the guard after the old holder
// began stopping — unless that stop had already finished cleanly (exit 0): then the resource is
// known to be down there, and the margin, which covers a holder that may still be running it,
// has nothing left to cover.
//
// Pauses longer than the guard are outside that promise: while such a node sleeps, others may
// start, provided it stops as its first act on waking. Starts made meanwhile are judged when it
// wakes, and its hold then counts as ended when the pause began.

export interface SafetyViolation {
  /** Real (simulated) time in ms. */
  at: number;
  resource: string;
  message: string;
}

interface Hold {
  /** When the current hold began, or null when not holding. */
  since: number | null;
  /** When the last hold ended (stop begun, crash). */
  lastEnd: number;
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
  /** Resources the node held when it woke. */
  held: string[];
}

interface DeferredStart {
  holder: string;
  starter: string;
  resource: string;
  at: number;
}

export class SafetyChecker {
  readonly violations: SafetyViolation[] = [];
  /** The smallest time seen between one node beginning to stop and another beginning to start. */
  closestHandover = Infinity;
  private readonly holds = new Map<string, Map<string, Hold>>();
  private readonly pauses = new Map<string, Pause>();
  private readonly waking = new Map<string, Waking>();
  private deferred: DeferredStart[] = [];

  constructor(
    private readonly guard: number,
    private readonly lease: number,
  ) {}

  /** `node` began starting `resource` (`start`), or was found running it without a start (`adopt`). */
  beginHold(node: string, resource: string, at: number, how: 'start' | 'adopt'): void {
    const verb = how === 'start' ? 'began starting' : 'took over a running resource';
    for (const [other, hold] of this.holdsOf(resource)) {
      if (other === node) continue;
      if (hold.since !== null) {
        if (this.pauses.get(other)?.long === true) {
          this.deferred.push({ holder: other, starter: node, resource, at });
          continue;
        }
        this.flag(at, resource, `${node} ${verb} while ${other} holds it (since ${ms(hold.since)})`);
      } else if (Number.isFinite(hold.lastEnd) && hold.cleanStopAt === null) {
        const margin = at - hold.lastEnd;
        this.closestHandover = Math.min(this.closestHandover, margin);
        if (margin < this.guard) {
          this.flag(at, resource, `${node} ${verb} ${margin.toFixed(1)} ms after ${other} began stopping (guard ${this.guard} ms)`);
        }
      }
    }
    const own = this.holdOf(node, resource);
    if (own.since === null) own.since = at;
  }

  /** `node` began stopping `resource`. */
  endHold(node: string, resource: string, at: number): void {
    const hold = this.holdOf(node, resource);
    if (hold.since === null) return;
    hold.since = null;
    hold.lastEnd = at;
    hold.cleanStopAt = null;
  }

  /** A stop script of `node` exited 0: the resource is down there. */
  stopSucceeded(node: string, resource: string, at: number): void {
    const hold = this.holdOf(node, resource);
    if (hold.since === null && Number.isFinite(hold.lastEnd)) hold.cleanStopAt = at;
  }

  isHolding(node: string, resource: string): boolean {
    return this.holdsOf(resource).get(node)?.since != null;
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
    const held = [...this.holds.keys()].filter((resource) => this.holds.get(resource)?.get(node)?.since != null);
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
      } else if (waking.localLength > this.lease) {
        this.flag(at, resource, `${node} held it through a ${waking.localLength.toFixed(1)} ms pause and did not stop as its first act on waking`);
      }
    }
    const mine = this.deferred.filter((d) => d.holder === node);
    this.deferred = this.deferred.filter((d) => d.holder !== node);
    for (const d of mine) {
      if (!stoppedFirst(d.resource)) {
        this.flag(d.at, d.resource, `${d.starter} began starting while ${node} held it, paused, and ${node} did not stop on waking`);
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
      hold = { since: null, lastEnd: -Infinity, cleanStopAt: null };
      byNode.set(node, hold);
    }
    return hold;
  }
}

function ms(at: number): string {
  return `${at.toFixed(1)} ms`;
}
