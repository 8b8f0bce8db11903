import { describe, expect, it } from 'vitest';
import { NodeCore } from './node.js';
import { quickResourceSpec } from '../testing/fixtures.js';
import { resolveTiming } from '../config/timing.js';
import { ETCD_MIN_TTL_MS } from './quorum.js';
import type { CoreConfig, Effect, EtcdClaim } from './types.js';

// One service node and etcd: two voters, a quorum of two, so nothing starts without etcd.
const timing = resolveTiming({ lease: { value: ETCD_MIN_TTL_MS, line: 0 } }).timing;
const TTL = 2000;
const config: CoreConfig = {
  node: 'a',
  timing,
  resources: [quickResourceSpec('r', [{ node: 'a', priority: 0, roleOnStart: 'secondary' }])],
  forceStart: false,
  etcd: { ttlMs: TTL },
};

/** A core past its start-up check and its first lease, the key seen free: it wishes for the key. */
function candidate(): { core: NodeCore; now: number; effects: Effect[] } {
  const core = new NodeCore(config, { now: 0, incarnation: 1 });
  let effects = core.step(0, { kind: 'tick' });
  expect(effects).toContainEqual({ kind: 'etcd-want', resource: 'r', want: false });
  for (const exit of [1, 0]) {
    const run = effects.find((e) => e.kind === 'run-script');
    if (run?.kind !== 'run-script') throw new Error('expected a script run');
    effects = core.step(10, { kind: 'script-done', resource: 'r', runId: run.runId, outcome: { code: exit, timedOut: false } });
  }
  core.step(20, { kind: 'etcd', resource: 'r', claim: { status: 'free' } });
  const now = timing.lease;
  effects = core.step(now, { kind: 'tick' });
  expect(effects).toContainEqual({ kind: 'etcd-want', resource: 'r', want: true });
  return { core, now, effects };
}

const ours = (sentAt: number): EtcdClaim => ({ status: 'ours', countsUntil: sentAt + TTL - timing.guard });
const starts = (effects: Effect[]): boolean => effects.some((e) => e.kind === 'run-script' && e.action === 'start');

describe("etcd's endorsement of this node", () => {
  it('counts once the key is ours, from a request sent after the wish began', () => {
    const { core, now } = candidate();
    expect(starts(core.step(now + 5, { kind: 'etcd', resource: 'r', claim: ours(now + 1) }))).toBe(true);
    expect(core.view(now + 5).resources[0]?.etcd).toEqual({ claim: 'ours', owner: 'a', countsForMs: expect.closeTo(TTL * 0.97 - 2 * timing.guard - 4, 5) });
  });

  it('does not count a claim whose request was sent before the wish began (an earlier wish)', () => {
    const { core, now } = candidate();
    expect(starts(core.step(now + 5, { kind: 'etcd', resource: 'r', claim: ours(now - 100) }))).toBe(false);
    expect(core.view(now + 5).resources[0]?.reason).toMatch(/^no quorum: 1 of 2 endorsements/);
  });

  it('stops counting at the end of its window (etcd unanswered since): the holder stops itself then, and gives the key up once stopped', () => {
    const { core, now } = candidate();
    core.step(now + 5, { kind: 'etcd', resource: 'r', claim: ours(now + 1) });
    core.step(now + 700, { kind: 'etcd', resource: 'r', claim: { status: 'unreachable' } });
    const lapse = now + 1 + TTL * 0.97 - 2 * timing.guard;
    expect(core.nextWakeAt()).toBeLessThanOrEqual(lapse);
    expect(core.step(lapse - 1, { kind: 'tick' }).some((e) => e.kind === 'run-script' && e.action === 'stop')).toBe(false);
    const effects = core.step(lapse, { kind: 'tick' });
    const stop = effects.find((e) => e.kind === 'run-script' && e.action !== 'monitor');
    expect(stop).toMatchObject({ action: 'stop' });
    expect(effects.some((e) => e.kind === 'etcd-want')).toBe(false);
    if (stop?.kind !== 'run-script') return;
    expect(core.step(lapse + 10, { kind: 'script-done', resource: 'r', runId: stop.runId, outcome: { code: 0, timedOut: false } })).toContainEqual({
      kind: 'etcd-want',
      resource: 'r',
      want: false,
    });
  });

  it('an unanswered request does not end it before its window does; the key seen taken does', () => {
    const { core, now } = candidate();
    core.step(now + 5, { kind: 'etcd', resource: 'r', claim: ours(now + 1) });
    expect(core.step(now + 600, { kind: 'etcd', resource: 'r', claim: { status: 'unreachable' } }).some((e) => e.kind === 'run-script' && e.action === 'stop')).toBe(false);
    expect(core.step(now + 700, { kind: 'etcd', resource: 'r', claim: { status: 'theirs', node: 'b', incarnation: 1 } }).some((e) => e.kind === 'run-script' && e.action === 'stop')).toBe(true);
  });
});
