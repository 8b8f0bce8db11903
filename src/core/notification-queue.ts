// A resource's notifications waiting for its script slot (DESIGN §5), kept to what is still true
// when they run: a notification superseded before it ran is merged away, so a peer that connects
// and disconnects again (or a burst of role changes) costs no script run.
//
// The rules, per resource:
// - `connect P` and `disconnect P` cancel each other while both wait: the script was last told the
//   opposite of the first, which is true again. So at most one of them waits per peer.
// - `role A B` waiting, then `role B C`: one `role A C` takes the later one's place in the order
//   (nothing, if C is A).
// - `complain P` waiting: a second complaint from P adds nothing the script could act on.
// - Everything else keeps its place; FreeHA's alerts are never merged (one per change of state).

export interface QueuedScript {
  action: 'alert' | 'notify';
  args: string[];
}

/** Waiting notifications past this many drop the oldest (logged): a script far too slow to keep up. */
export const MAX_QUEUED_NOTIFICATIONS = 32;

export class NotificationQueue {
  private readonly items: QueuedScript[] = [];
  /** Dropped since last asked (dropOldest). */
  private droppedCount = 0;

  get length(): number {
    return this.items.length;
  }

  /** What waits, in the order it will run (for tests and views). */
  pending(): readonly QueuedScript[] {
    return this.items;
  }

  /** A new notification, after everything waiting. */
  add(item: QueuedScript): void {
    if (this.absorb(item, 'later')) return;
    this.items.push(item);
    this.dropOldest();
  }

  /** A notification whose run was cut short by the lifecycle: first in line again, still merged. */
  returnFirst(item: QueuedScript): void {
    if (this.absorb(item, 'earlier')) return;
    this.items.unshift(item);
    this.dropOldest();
  }

  next(): QueuedScript | undefined {
    return this.items.shift();
  }

  /** How many were dropped since the last call. */
  takeDropped(): number {
    const dropped = this.droppedCount;
    this.droppedCount = 0;
    return dropped;
  }

  /**
   * Merges the item into what waits; true when nothing is left to add. `when` says whether the
   * item happened after (a new one) or before (one run again) what waits.
   */
  private absorb(item: QueuedScript, when: 'later' | 'earlier'): boolean {
    if (item.action !== 'notify') return false;
    const [verb, a, b] = item.args;
    switch (verb) {
      case 'connect':
      case 'disconnect': {
        const same = this.find((q) => (q[0] === 'connect' || q[0] === 'disconnect') && q[1] === a);
        if (same < 0) return false;
        // A duplicate says nothing new; the opposite cancels it.
        if (this.items[same]?.args[0] !== verb) this.items.splice(same, 1);
        return true;
      }
      case 'role': {
        const at = this.find((q) => q[0] === 'role');
        const waiting = this.items[at];
        if (waiting === undefined || a === undefined || b === undefined) return false;
        const [, wa = '', wb = ''] = waiting.args;
        const from = when === 'later' ? wa : a;
        const to = when === 'later' ? b : wb;
        this.items.splice(at, 1);
        if (from === to) return true;
        const merged: QueuedScript = { action: 'notify', args: ['role', from, to] };
        if (when === 'later') this.items.push(merged);
        else this.items.splice(at, 0, merged);
        return true;
      }
      case 'complain':
        return this.find((q) => q[0] === 'complain' && q[1] === a) >= 0;
      default:
        return false;
    }
  }

  private find(match: (args: readonly string[]) => boolean): number {
    return this.items.findIndex((q) => q.action === 'notify' && match(q.args));
  }

  private dropOldest(): void {
    while (this.items.length > MAX_QUEUED_NOTIFICATIONS) {
      this.items.shift();
      this.droppedCount++;
    }
  }
}
