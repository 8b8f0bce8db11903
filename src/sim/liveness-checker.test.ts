import { describe, expect, it } from 'vitest';
import { judgeResource, judgeRoles, LivenessTracker, type NodeSnapshot } from './liveness-checker.js';
import type { ResourceState, ResourceView, Role } from '../core/types.js';

function node(
  name: string,
  state: ResourceState,
  holder: string,
  opts: { watchdog?: boolean; running?: boolean; dirty?: boolean; down?: boolean; role?: Role } = {},
): NodeSnapshot {
  const view: ResourceView = {
    name: 'r',
    state,
    role: opts.role ?? (opts.watchdog === true ? 'watchdog' : 'secondary'),
    priority: 100,
    attempts: 0,
    maxAttempts: 3,
    holder,
    vote: holder,
    quorum: 2,
    voters: 3,
    endorsements: 0,
    quorate: false,
    timesHeld: 0,
    reason: '',
    complaints: 0,
    forced: false,
    offlineMs: 0,
    peers: [],
    etcd: null,
  };
  return {
    name,
    watchdog: opts.watchdog === true,
    view: opts.down === true ? null : { node: name, incarnation: 1, resources: [view] },
    running: new Set(opts.running === true ? ['r'] : []),
    dirty: new Set(opts.dirty === true ? ['r'] : []),
  };
}

describe('judgeResource', () => {
  it('is ok with one RUNNING holder, really running, named by everyone', () => {
    const verdict = judgeResource('r', [
      node('n1', 'RUNNING', 'n1', { running: true }),
      node('n2', 'STANDBY', 'n1'),
      node('w1', 'WATCHING', 'n1', { watchdog: true }),
    ]);
    expect(verdict).toEqual({ kind: 'ok', holder: 'n1' });
  });

  it('fails with nobody running, two running, a disagreeing node, or a fake that is not running', () => {
    const cases: NodeSnapshot[][] = [
      [node('n1', 'STANDBY', ''), node('n2', 'STANDBY', '')],
      [node('n1', 'RUNNING', 'n1', { running: true }), node('n2', 'RUNNING', 'n2', { running: true })],
      [node('n1', 'RUNNING', 'n1', { running: true }), node('w1', 'WATCHING', '', { watchdog: true })],
      [node('n1', 'RUNNING', 'n1'), node('n2', 'STANDBY', 'n1')],
      [node('n1', 'RUNNING', 'n1', { running: true }), node('n2', 'STANDBY', 'n1', { running: true })],
    ];
    for (const nodes of cases) expect(judgeResource('r', nodes).kind).toBe('failing');
  });

  it('reports every service node ERRORED, or a failed stop, as errored', () => {
    expect(judgeResource('r', [node('n1', 'ERRORED', ''), node('n2', 'ERRORED', ''), node('w1', 'WATCHING', '', { watchdog: true })]).kind).toBe('errored');
    expect(judgeResource('r', [node('n1', 'ERRORED', '', { dirty: true, running: true }), node('n2', 'STANDBY', '')]).kind).toBe('errored');
    expect(judgeResource('r', [node('n1', 'ERRORED', ''), node('n2', 'STANDBY', '')]).kind).toBe('failing');
  });
});

describe('LivenessTracker', () => {
  it('remembers since when the same verdict has held', () => {
    const tracker = new LivenessTracker(['r']);
    const ok = [node('n1', 'RUNNING', 'n1', { running: true }), node('n2', 'STANDBY', 'n1')];
    tracker.sample(0, [node('n1', 'STARTING', 'n1'), node('n2', 'STANDBY', 'n1')]);
    tracker.sample(50, ok);
    tracker.sample(100, ok);
    expect(tracker.results()[0]).toMatchObject({ settledSince: 50, verdict: { kind: 'ok' } });
    tracker.sample(150, [node('n1', 'RUNNING', 'n1', { running: true }), node('n2', 'STANDBY', '')]);
    tracker.sample(200, ok);
    expect(tracker.results()[0]?.settledSince).toBe(200);
  });
});

describe('judgeRoles', () => {
  const configured = (name: string): Role => (name.startsWith('w') ? 'watchdog' : 'secondary');

  it('accepts every node back in its configured role, in a state that role allows; down nodes do not count', () => {
    expect(
      judgeRoles(
        [node('n1', 'RUNNING', 'n1'), node('n2', 'INITIAL', ''), node('n3', 'STANDBY', '', { down: true, role: 'init' }), node('w1', 'WATCHING', 'n1', { watchdog: true })],
        configured,
      ),
    ).toEqual([]);
  });

  it('names a node left in another role, or stuck WATCHING in a service role', () => {
    expect(
      judgeRoles(
        [node('n1', 'INITIAL', '', { role: 'init' }), node('n2', 'WATCHING', '', { role: 'secondary' }), node('w1', 'INITIAL', '', { watchdog: true, role: 'init' })],
        configured,
      ),
    ).toEqual([
      'n1 left in role init for r (configured secondary)',
      'n2 is WATCHING for r in role secondary',
      'w1 left in role init for r (configured watchdog)',
    ]);
  });
});
