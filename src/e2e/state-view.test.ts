import { describe, expect, it } from 'vitest';
import type { NodeView } from '../core/types.js';
import { formatStateFile } from '../io/state-file.js';
import { parseStateFile } from './state-view.js';

// The parser reads what the daemon writes: it is checked against the daemon's own formatter.
const view: NodeView = {
  node: 'bolek',
  incarnation: 1700000000000,
  resources: [
    {
      name: 'daemon',
      state: 'STANDBY',
      role: 'secondary',
      priority: 1,
      attempts: 0,
      maxAttempts: 5,
      holder: '',
      vote: 'bolek',
      quorum: 2,
      voters: 3,
      endorsements: 0,
      quorate: false,
      timesHeld: 0,
      reason: 'no quorum: 1 of 2 endorsements needed (3 voters)',
      complaints: 0,
      forced: false,
      offlineMs: 0,
      etcd: null,
      peers: [
        { node: 'lolek', state: 'TIMEDOUT', role: 'secondary', priority: 0, heardAgo: 61_000, vote: 'lolek', offline: false },
        { node: 'reksio', state: 'UNKNOWN', role: 'watchdog', priority: 100, heardAgo: null, vote: '', offline: false },
      ],
    },
  ],
};

describe('parseStateFile', () => {
  it("reads back the daemon's own state file", () => {
    const writtenAt = new Date(1_700_000_000_123);
    const parsed = parseStateFile(formatStateFile(view, { pid: 4242, writtenAt, nodeRole: 'secondary' }));
    expect(parsed).toEqual({
      node: 'bolek',
      pid: 4242,
      incarnation: '1700000000000',
      writtenAtMs: writtenAt.getTime(),
      resources: [
        {
          name: 'daemon',
          holder: '',
          reason: 'no quorum: 1 of 2 endorsements needed (3 voters)',
          quorum: 2,
          voters: 3,
          attempts: '0/5',
          etcd: '',
          rows: [
            { node: 'bolek', self: true, state: 'STANDBY', role: 'secondary', vote: 'bolek' },
            { node: 'lolek', self: false, state: 'TIMEDOUT', role: 'secondary', vote: 'lolek' },
            { node: 'reksio', self: false, state: 'UNKNOWN', role: 'watchdog', vote: '-' },
          ],
        },
      ],
    });
  });

  it('names the holder', () => {
    const held: NodeView = { ...view, resources: view.resources.map((r) => ({ ...r, holder: 'lolek' })) };
    expect(parseStateFile(formatStateFile(held, { pid: 1, writtenAt: new Date(0) }))?.resources[0]?.holder).toBe('lolek');
  });

  it("reads etcd's line", () => {
    const withEtcd: NodeView = { ...view, resources: view.resources.map((r) => ({ ...r, etcd: { claim: 'theirs', owner: 'lolek', countsForMs: 0 } })) };
    expect(parseStateFile(formatStateFile(withEtcd, { pid: 1, writtenAt: new Date(0) }))?.resources[0]?.etcd).toBe('held by lolek');
  });

  it('refuses anything but a complete state file', () => {
    const text = formatStateFile(view, { pid: 1, writtenAt: new Date(0) });
    expect(parseStateFile(text.slice(0, -1))).toBeUndefined();
    expect(parseStateFile('')).toBeUndefined();
  });
});
