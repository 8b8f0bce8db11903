// How many notification scripts (HASTMON's notifications, FreeHA's alerts) one node runs at once,
// over all its resources. Each is a fork: at start-up every peer connects to every resource, and
// unbounded that is one burst of peers × resources forks that makes the daemon's own timers late
// (late heartbeats, peers judged gone, more notifications). Start, stop, monitor and fence scripts
// never wait here: the lifecycle has its own slot per resource and overtakes a notification.

/**
 * One at a time per node: a notification only informs, so it may wait for the one before it,
 * and a single fork at a time keeps a burst from taking more than a sliver of the machine that
 * also runs the daemon's heartbeats. Each resource still tells its own notifications in order.
 */
export const NOTIFICATION_SCRIPTS_AT_ONCE = 1;

export class NotificationGate {
  private runningCount = 0;

  constructor(private readonly limit: number = NOTIFICATION_SCRIPTS_AT_ONCE) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`notification scripts at once must be a whole number of at least 1, got ${limit}`);
  }

  get running(): number {
    return this.runningCount;
  }

  full(): boolean {
    return this.runningCount >= this.limit;
  }

  /** Takes a place if there is one. */
  tryEnter(): boolean {
    if (this.full()) return false;
    this.runningCount++;
    return true;
  }

  /** A notification script that had a place finished or was killed. */
  leave(): void {
    if (this.runningCount > 0) this.runningCount--;
  }
}
