import { describe, expect, it } from 'vitest';
import type { NodeView, ResourceState, ResourceView, Role } from '../core/types.js';
import { isReady, statusLine } from './systemd-status.js';

function resource(name: string, state: ResourceState, role: Role = 'secondary'): ResourceView {
  return {
    name,
    state,
    role,
    priority: 0,
    attempts: 0,
    maxAttempts: 5,
    holder: '',
    vote: '',
    quorum: 2,
    endorsements: 0,
    quorate: false,
    timesHeld: 0,
    voters: 3,
    reason: '',
    complaints: 0,
    forced: false,
    offlineMs: 0,
    peers: [],
    etcd: null,
  };
}

const view = (...resources: ResourceView[]): NodeView => ({ node: 'lolek', incarnation: 1, resources });

describe('readiness', () => {
  it('waits for every resource to leave INITIAL', () => {
    expect(isReady(view(resource('daemon', 'INITIAL'), resource('web', 'STANDBY')))).toBe(false);
    expect(isReady(view(resource('daemon', 'RUNNING'), resource('web', 'STANDBY')))).toBe(true);
  });

  it('does not wait for a resource with no start-up check: role init, or a watchdog', () => {
    expect(isReady(view(resource('daemon', 'INITIAL', 'init'), resource('web', 'WATCHING', 'watchdog')))).toBe(true);
  });

  it('counts a copy found running (STOPPING) and a failed clean-up (ERRORED) as checked', () => {
    expect(isReady(view(resource('daemon', 'STOPPING'), resource('web', 'ERRORED')))).toBe(true);
  });
});

describe('the status line', () => {
  it('names what is held first, then the rest, grouped by what this node does', () => {
    expect(statusLine(view(resource('web', 'STANDBY'), resource('daemon', 'RUNNING'), resource('nfs', 'STANDBY')))).toBe(
      'holding daemon; standby for web, nfs',
    );
  });

  it('puts an error before everything else', () => {
    expect(statusLine(view(resource('daemon', 'RUNNING'), resource('web', 'ERRORED')))).toBe('ERRORED web; holding daemon');
  });

  it('says what a watchdog, a node starting up and one waiting for a role do', () => {
    expect(statusLine(view(resource('daemon', 'WATCHING', 'watchdog')))).toBe('watching daemon');
    expect(statusLine(view(resource('daemon', 'INITIAL')))).toBe('checking daemon');
    expect(statusLine(view(resource('daemon', 'INITIAL', 'init')))).toBe('waiting for a role for daemon');
    expect(statusLine(view(resource('daemon', 'STARTING'), resource('web', 'STOPPING')))).toBe('starting daemon; stopping web');
  });

  it('changes only when a state does', () => {
    const a = view(resource('daemon', 'RUNNING'), resource('web', 'STANDBY'));
    const b = view({ ...resource('daemon', 'RUNNING'), reason: 'other words', holder: 'lolek' }, resource('web', 'STANDBY'));
    expect(statusLine(a)).toBe(statusLine(b));
  });
});
