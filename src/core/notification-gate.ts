// How many notification scripts (HASTMON's notifications, FreeHA's alerts) one node runs, over all
// its resources, and how often. Each is a fork, and Node's spawn holds the daemon's event loop
// until the child has exec'd, which on a busy machine is tens of milliseconds. At start-up every
// peer connects to every resource: unbounded that is one burst of peers × resources forks that
// makes heartbeats late, peers judged gone, and so more notifications. Start, stop, monitor, fence
// and probe scripts never wait here: the lifecycle has its own slot per resource and overtakes a
// notification.

/**
 * One at a time per node: a notification only informs, so it may wait for the one before it, and
 * each resource still tells its own in order.
 */
export const NOTIFICATION_SCRIPTS_AT_ONCE = 1;

/**
 * After a notification script ends, the next waits this many times as long as that one took: the
 * node spends at most a tenth of its time running notifications. A script that takes long because
 * the machine is busy slows the next ones down by itself, so a burst on a loaded machine drains
 * at what the machine can spare instead of adding to the load (a quiet machine runs a 5 ms script
 * about twenty times a second).
 */
export const NOTIFICATION_PAUSE_FACTOR = 9;

/**
 * The pause after a notification never exceeds this: a script that is slow by design (one that
 * sends mail) must not silence the resources' other notifications for long.
 */
export const NOTIFICATION_MAX_PAUSE_MS = 5000;

export class NotificationGate {
  private runningCount = 0;
  /** No new notification script starts before then (local time). */
  private pausedUntil = -Infinity;

  constructor(private readonly limit: number = NOTIFICATION_SCRIPTS_AT_ONCE) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`notification scripts at once must be a whole number of at least 1, got ${limit}`);
  }

  get running(): number {
    return this.runningCount;
  }

  /** When a notification may start next, if a place is free then; -Infinity when now would do. */
  get opensAt(): number {
    return this.pausedUntil;
  }

  /** No place now: all taken, or pausing after the last one. */
  closed(now: number): boolean {
    return this.runningCount >= this.limit || now < this.pausedUntil;
  }

  /** Takes a place if there is one. */
  tryEnter(now: number): boolean {
    if (this.closed(now)) return false;
    this.runningCount++;
    return true;
  }

  /** A notification script that started at `startedAt` finished or was killed at `now`. */
  leave(now: number, startedAt: number): void {
    if (this.runningCount > 0) this.runningCount--;
    const pause = Math.min(Math.max(0, now - startedAt) * NOTIFICATION_PAUSE_FACTOR, NOTIFICATION_MAX_PAUSE_MS);
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
  }
}
