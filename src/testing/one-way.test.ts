// One-way faults (DESIGN §4, liveness during faults): a quorum of voters that hear each other in
// both directions runs the resource, whatever a node that can only send or only receive does.

import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../config/timing.js';
import { threeNodeConfigs } from './fixtures.js';
import { Harness } from './harness.js';

const RES = 'daemon';
const { lease, heartbeatInterval } = DEFAULT_TIMING;

function runningHolder(h: Harness): string | undefined {
  return h.nodeNames().find((n) => h.state(n, RES) === 'RUNNING');
}

describe('a holder that can send but not receive (deaf)', () => {
  it('self-fences, and the two voters that hear each other run the resource while the fault lasts', () => {
    const h = new Harness(threeNodeConfigs());
    h.until(() => h.state('lolek', RES) === 'RUNNING', 5000, 'lolek RUNNING');
    const faultAt = h.now;
    h.cutLink('bolek', 'lolek', false);
    h.cutLink('reksio', 'lolek', false);
    // Bound: the holder's endorsements run out within a lease, its voters' promise a lease later;
    // then an election (a few heartbeats) and the start script.
    const bound = 3 * lease + 10 * heartbeatInterval;
    const took = h.until(() => h.state('bolek', RES) === 'RUNNING', bound, 'bolek RUNNING during the fault');
    expect(took - faultAt).toBeLessThanOrEqual(bound);
    expect(h.state('lolek', RES)).not.toBe('RUNNING');
    // And it stays so while the fault lasts.
    h.advance(5 * lease);
    expect(runningHolder(h)).toBe('bolek');
    expect(h.runningOn(RES)).toEqual(['bolek']);
  });

  it('with a slow stop script as well', () => {
    const h = new Harness(threeNodeConfigs());
    h.until(() => h.state('lolek', RES) === 'RUNNING', 5000, 'lolek RUNNING');
    h.scriptsBehave((_node, _res, action) => (action === 'stop' ? { ms: 500, exit: 0 } : undefined));
    h.cutLink('bolek', 'lolek', false);
    h.cutLink('reksio', 'lolek', false);
    h.until(() => h.state('bolek', RES) === 'RUNNING', 3 * lease + 10 * heartbeatInterval + 500, 'bolek RUNNING during the fault');
    h.advance(5 * lease);
    expect(h.runningOn(RES)).toEqual(['bolek']);
  });
});
