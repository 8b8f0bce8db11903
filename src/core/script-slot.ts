// Never two scripts at once for one resource (DESIGN §5). The lifecycle always gets the slot:
// whatever runs in it (a monitor, a notification, a start being overtaken by a stop) is killed
// first, its whole process group, and its result is ignored.

import type { NodeContext } from './context.js';
import type { ScriptAction } from './types.js';

interface Run {
  runId: number;
  action: ScriptAction;
}

interface Queued {
  action: 'alert' | 'notify';
  args: string[];
}

/** Notifications waiting for the slot; past this many the oldest are dropped (and logged). */
const MAX_QUEUED_NOTIFICATIONS = 32;

export class ScriptSlot {
  private current: Run | undefined;
  private readonly queue: Queued[] = [];
  private dropped = 0;

  constructor(
    private readonly resource: string,
    private timeoutMs: number,
  ) {}

  setTimeout(timeoutMs: number): void {
    this.timeoutMs = timeoutMs;
  }

  running(): Run | undefined {
    return this.current;
  }

  run(ctx: NodeContext, action: ScriptAction, args: string[]): void {
    this.killAll(ctx);
    const runId = ctx.newRunId();
    this.current = { runId, action };
    ctx.emit({ kind: 'run-script', resource: this.resource, runId, action, args, timeoutMs: this.timeoutMs });
  }

  killAll(ctx: NodeContext): void {
    if (this.current === undefined) return;
    ctx.emit({ kind: 'kill-script', resource: this.resource, runId: this.current.runId });
    this.current = undefined;
  }

  /** The run that finished, if it is the one in the slot. */
  finish(runId: number): Run | undefined {
    if (this.current?.runId !== runId) return undefined;
    const done = this.current;
    this.current = undefined;
    return done;
  }

  alert(args: string[]): void {
    this.enqueue({ action: 'alert', args });
  }

  notify(args: string[]): void {
    this.enqueue({ action: 'notify', args });
  }

  private enqueue(item: Queued): void {
    this.queue.push(item);
    if (this.queue.length > MAX_QUEUED_NOTIFICATIONS) {
      this.queue.shift();
      this.dropped++;
    }
  }

  runQueuedNotification(ctx: NodeContext): boolean {
    if (this.dropped > 0) {
      ctx.log('warning', `${this.resource}: ${this.dropped} notifications dropped (scripts too slow to keep up)`);
      this.dropped = 0;
    }
    const next = this.queue.shift();
    if (next === undefined) return false;
    this.run(ctx, next.action, next.args);
    return true;
  }
}
