// The view's counts for the metrics: valid endorsements, whether a quorum is in touch, and how
// many times this node began holding.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../config/timing.js';
import { quickResourceSpec } from '../testing/fixtures.js';
import { Harness } from '../testing/harness.js';
import type { CoreConfig, MemberSpec } from './types.js';

const MEMBERS: MemberSpec[] = [
  { node: 'alpha', priority: 0, roleOnStart: 'secondary' },
  { node: 'bravo', priority: 1, roleOnStart: 'secondary' },
  { node: 'watch', priority: 100, roleOnStart: 'watchdog' },
];

const config = (node: string): CoreConfig => ({
  node,
  timing: DEFAULT_TIMING,
  resources: [quickResourceSpec('daemon', MEMBERS)],
  forceStart: false,
  etcd: null,
});

function viewOf(h: Harness, node: string) {
  const view = h.views(node)?.[0];
  if (view === undefined) throw new Error(`${node} has no view`);
  return view;
}

describe('ResourceView: endorsements, quorate, timesHeld', () => {
  it('counts the holder endorsed by all three voters, quorate everywhere, held once', () => {
    const h = new Harness(['alpha', 'bravo', 'watch'].map(config));
    h.until(() => viewOf(h, 'alpha').state === 'RUNNING' && viewOf(h, 'alpha').endorsements === 3, 10_000, 'alpha running, endorsed by all');
    expect(viewOf(h, 'alpha')).toMatchObject({ quorum: 2, voters: 3, endorsements: 3, quorate: true, timesHeld: 1 });
    expect(viewOf(h, 'bravo')).toMatchObject({ quorate: true, timesHeld: 0, endorsements: 0 });
    expect(viewOf(h, 'watch')).toMatchObject({ quorate: true, timesHeld: 0 });
  });

  it('shows an isolated holder losing quorum, and the new holder counting its first hold', () => {
    const h = new Harness(['alpha', 'bravo', 'watch'].map(config));
    h.until(() => viewOf(h, 'alpha').state === 'RUNNING', 10_000, 'alpha running');
    h.isolate('alpha');
    h.until(() => viewOf(h, 'bravo').state === 'RUNNING', 10_000, 'bravo running');
    expect(viewOf(h, 'alpha')).toMatchObject({ quorate: false, timesHeld: 1 });
    expect(viewOf(h, 'alpha').state).not.toBe('RUNNING');
    expect(viewOf(h, 'bravo')).toMatchObject({ quorate: true, timesHeld: 1 });
    expect(viewOf(h, 'bravo').endorsements).toBeGreaterThanOrEqual(2);
    h.heal();
    // HUP once alpha is back and could take it: else bravo, the only candidate, starts it again.
    h.until(() => viewOf(h, 'alpha').quorate && viewOf(h, 'alpha').state === 'STANDBY', 10_000, 'alpha back in touch');
    h.command('bravo', { type: 'hup' });
    h.until(() => viewOf(h, 'alpha').state === 'RUNNING', 10_000, 'alpha running again');
    expect(viewOf(h, 'alpha').timesHeld).toBe(2);
  });
});
