// Never two scripts at once for one resource (DESIGN §5). The lifecycle always gets the slot:
// whatever runs in it (a monitor, a notification, a start being overtaken by a stop) is killed
// first, its whole process group, and its result is ignored; a notification so cut short waits
// again, first in line. Notifications wait in a NotificationQueue and run only when the
// lifecycle leaves the slot free and the node's NotificationGate has a place.

import type { NodeContext } from './context.js';
import type { NotificationGate } from './notification-gate.js';
import { NotificationQueue, type QueuedScript } from './notification-queue.js';
import type { ScriptAction } from './types.js';

interface Run {
  runId: number;
  action: ScriptAction;
  /** A notification's words, to run it again if the lifecycle cuts it short. */
  args: string[];
  /** Local time it started: how long a notification took sets the node's pause after it. */
  startedAt: number;
}

export class ScriptSlot {
  private current: Run | undefined;
  private readonly queue = new NotificationQueue();

  constructor(
    private readonly resource: string,
    private timeoutMs: number,
    private readonly gate: NotificationGate,
  ) {}

  setTimeout(timeoutMs: number): void {
    this.timeoutMs = timeoutMs;
  }

  running(): Run | undefined {
    return this.current;
  }

  /** Notifications waiting, in the order they will run. */
  waiting(): readonly QueuedScript[] {
    return this.queue.pending();
  }

  run(ctx: NodeContext, action: ScriptAction, args: string[]): void {
    this.killAll(ctx);
    this.start(ctx, action, args);
  }

  killAll(ctx: NodeContext): void {
    const killed = this.current;
    if (killed === undefined) return;
    ctx.emit({ kind: 'kill-script', resource: this.resource, runId: killed.runId });
    this.current = undefined;
    if (isNotification(killed.action)) {
      this.gate.leave(ctx.now, killed.startedAt);
      this.queue.returnFirst({ action: killed.action, args: killed.args });
    }
  }

  /** The run that finished at `now`, if it is the one in the slot. */
  finish(runId: number, now: number): Run | undefined {
    if (this.current?.runId !== runId) return undefined;
    const done = this.current;
    this.current = undefined;
    if (isNotification(done.action)) this.gate.leave(now, done.startedAt);
    return done;
  }

  alert(args: string[]): void {
    this.queue.add({ action: 'alert', args });
  }

  notify(args: string[]): void {
    this.queue.add({ action: 'notify', args });
  }

  /** Runs the next waiting notification if the slot is free and the node has a place for it. */
  runQueuedNotification(ctx: NodeContext): boolean {
    const dropped = this.queue.takeDropped();
    if (dropped > 0) ctx.log('warning', `${this.resource}: ${dropped} notifications dropped (scripts too slow to keep up)`);
    if (this.current !== undefined || this.queue.length === 0 || !this.gate.tryEnter(ctx.now)) return false;
    const next = this.queue.next() as QueuedScript;
    this.start(ctx, next.action, next.args);
    return true;
  }

  private start(ctx: NodeContext, action: ScriptAction, args: string[]): void {
    const runId = ctx.newRunId();
    this.current = { runId, action, args, startedAt: ctx.now };
    ctx.emit({ kind: 'run-script', resource: this.resource, runId, action, args, timeoutMs: this.timeoutMs });
  }
}

function isNotification(action: ScriptAction): action is QueuedScript['action'] {
  return action === 'alert' || action === 'notify';
}
