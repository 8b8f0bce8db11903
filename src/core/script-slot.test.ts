import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../config/timing.js';
import { NOTIFICATION_MAX_PAUSE_MS, NOTIFICATION_PAUSE_FACTOR, NOTIFICATION_SCRIPTS_AT_ONCE, NotificationGate } from './notification-gate.js';
import { PeerTable } from './peers.js';
import { STANDARD_RULES } from './quorum.js';
import { ScriptSlot } from './script-slot.js';
import { StepContext } from './step-context.js';
import type { Effect } from './types.js';

function harness() {
  const effects: Effect[] = [];
  let runIds = 0;
  const ctx = new StepContext(new PeerTable(), 0, STANDARD_RULES, {
    newRunId: () => ++runIds,
    emit: (effect) => effects.push(effect),
    log: (level, message) => effects.push({ kind: 'log', level, message }),
  }).refresh(0, 'lolek', DEFAULT_TIMING, true, null);
  /** What was run and killed since last asked, as `RESOURCE run ACTION ARGS` / `RESOURCE kill #ID`. */
  const said = (): string[] => {
    const lines = effects.flatMap((e) =>
      e.kind === 'run-script' ? [`${e.resource} run #${e.runId} ${e.action} ${e.args.join(' ')}`] : e.kind === 'kill-script' ? [`${e.resource} kill #${e.runId}`] : [],
    );
    effects.length = 0;
    return lines;
  };
  return { ctx, said };
}

describe('ScriptSlot with the node-wide NotificationGate', () => {
  it('runs no more notification scripts at once than the gate allows, over all resources', () => {
    const { ctx, said } = harness();
    const gate = new NotificationGate();
    const slots = ['a', 'b', 'c'].map((name) => new ScriptSlot(name, 3000, gate));
    for (const slot of slots) slot.notify(['connect', 'bolek']);
    const started = slots.filter((slot) => slot.runQueuedNotification(ctx)).length;
    expect(started).toBe(NOTIFICATION_SCRIPTS_AT_ONCE);
    expect(gate.running).toBe(NOTIFICATION_SCRIPTS_AT_ONCE);
    expect(said()).toHaveLength(NOTIFICATION_SCRIPTS_AT_ONCE);
  });

  it('gives the place back when a notification ends, so the next resource can run its own', () => {
    const { ctx, said } = harness();
    const gate = new NotificationGate(1);
    const [a, b] = [new ScriptSlot('a', 3000, gate), new ScriptSlot('b', 3000, gate)];
    a.notify(['connect', 'bolek']);
    b.notify(['connect', 'bolek']);
    expect(a.runQueuedNotification(ctx)).toBe(true);
    expect(b.runQueuedNotification(ctx)).toBe(false);
    expect(said()).toEqual(['a run #1 notify connect bolek']);
    expect(a.finish(1, 0)?.action).toBe('notify');
    expect(b.runQueuedNotification(ctx)).toBe(true);
    expect(said()).toEqual(['b run #2 notify connect bolek']);
  });

  it('never makes the lifecycle wait: a start kills the notification, frees its place and runs it again later', () => {
    const { ctx, said } = harness();
    const gate = new NotificationGate(1);
    const slot = new ScriptSlot('a', 3000, gate);
    slot.notify(['connect', 'bolek']);
    slot.notify(['connect', 'reksio']);
    expect(slot.runQueuedNotification(ctx)).toBe(true);
    slot.run(ctx, 'start', []);
    expect(said()).toEqual(['a run #1 notify connect bolek', 'a kill #1', 'a run #2 start ']);
    expect(gate.running).toBe(0);
    // The killed run's late result means nothing; the start's does.
    expect(slot.finish(1, 0)).toBeUndefined();
    expect(slot.runQueuedNotification(ctx)).toBe(false);
    expect(slot.finish(2, 0)?.action).toBe('start');
    expect(slot.waiting().map((q) => q.args.join(' '))).toEqual(['connect bolek', 'connect reksio']);
    expect(gate.running).toBe(0);
  });

  it('tells nothing of a peer whose cut-short connect was followed by its disconnect', () => {
    const { ctx } = harness();
    const gate = new NotificationGate(1);
    const slot = new ScriptSlot('a', 3000, gate);
    slot.notify(['connect', 'bolek']);
    slot.runQueuedNotification(ctx);
    slot.notify(['disconnect', 'bolek']);
    slot.killAll(ctx);
    expect(slot.waiting()).toEqual([]);
  });

  it("pauses the node's notifications after each, in proportion to how long it took, within a bound", () => {
    const { ctx, said } = harness();
    const gate = new NotificationGate(1);
    const slot = new ScriptSlot('a', 60_000, gate);
    for (const peer of ['bolek', 'reksio', 'tola']) slot.notify(['connect', peer]);
    expect(slot.runQueuedNotification(ctx)).toBe(true);
    slot.finish(1, 20);
    const pauseEnds = 20 + 20 * NOTIFICATION_PAUSE_FACTOR;
    expect(gate.opensAt).toBe(pauseEnds);
    ctx.now = pauseEnds - 1;
    expect(slot.runQueuedNotification(ctx)).toBe(false);
    ctx.now = pauseEnds;
    expect(slot.runQueuedNotification(ctx)).toBe(true);
    // A script slow by design holds the next one up by the bound only.
    slot.finish(2, pauseEnds + 30_000);
    expect(gate.opensAt).toBe(pauseEnds + 30_000 + NOTIFICATION_MAX_PAUSE_MS);
    expect(said()).toEqual(['a run #1 notify connect bolek', 'a run #2 notify connect reksio']);
  });

  it('refuses a bound that is not a whole number of at least one', () => {
    expect(() => new NotificationGate(0)).toThrow(/at least 1, got 0/);
    expect(() => new NotificationGate(1.5)).toThrow(/whole number/);
  });
});
