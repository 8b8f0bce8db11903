import { describe, expect, it } from 'vitest';
import type { NodeConfig } from './config/model.js';
import { twoNodeRemedies } from './daemon.js';

const unicast: NodeConfig['channels'] = [{ kind: 'unicast' }] as NodeConfig['channels'];
const two: NodeConfig['channels'] = [{ kind: 'unicast' }, { kind: 'unicast' }] as NodeConfig['channels'];

describe('the two-node warning', () => {
  it('recommends every remedy when none is configured', () => {
    expect(twoNodeRemedies({ channels: unicast, ping: null }, { fence: null })).toBe(
      'Add a watchdog node, a second heartbeat channel, ping or a fence script.',
    );
  });

  it('does not recommend ping when ping is configured, nor a fence script when there is one', () => {
    expect(twoNodeRemedies({ channels: unicast, ping: '192.0.2.1' }, { fence: '/etc/hastmon/fence' })).toBe(
      'Add a watchdog node or a second heartbeat channel.',
    );
  });

  it('recommends only a watchdog when all else is there', () => {
    expect(twoNodeRemedies({ channels: two, ping: '192.0.2.1' }, { fence: '/etc/hastmon/fence' })).toBe('Add a watchdog node.');
  });
});
