// How soon a node may send a heartbeat that something changed: at once, from a small budget.
//
// A change others decide on (a release, a new candidacy, a vote, an endorsed node's new state)
// goes out the moment it is made: a hand-over is a chain of such heartbeats, one hop each, and any
// wait on the way adds to it. The budget only bounds a node whose report would change without end
// (a fault, a flapping link): then it sends no more often than one heartbeat per refill period
// after the burst, as it did when every early heartbeat waited for that period.

/** Early heartbeats a node may send at once: a whole hand-over's (stopping, released, answers), with room. */
export const EARLY_SEND_BURST = 8;

/** After the burst, one early heartbeat per this fraction of the heartbeat interval. */
export const EARLY_SEND_REFILL_FRACTION = 1 / 50;

/** A token bucket of early heartbeats, on the core's own time (pure: time comes with each call). */
export class SendBudget {
  private tokens = EARLY_SEND_BURST;
  private countedAt = -Infinity;

  constructor(private readonly refillEvery: number) {}

  /** The earliest time, `now` or later, at which one more early heartbeat may go. */
  availableAt(now: number): number {
    const tokens = this.tokensAt(now);
    return tokens >= 1 ? now : now + (1 - tokens) * this.refillEvery;
  }

  /** A heartbeat went out at `now`, early or not: it takes one token (none left: none taken). */
  spend(now: number): void {
    this.tokens = Math.max(0, this.tokensAt(now) - 1);
    this.countedAt = now;
  }

  private tokensAt(now: number): number {
    if (this.countedAt === -Infinity || this.refillEvery <= 0) return EARLY_SEND_BURST;
    return Math.min(EARLY_SEND_BURST, this.tokens + (now - this.countedAt) / this.refillEvery);
  }
}
