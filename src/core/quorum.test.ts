import { describe, expect, it } from 'vitest';
import { PeerTable } from './peers.js';
import { quickResourceSpec } from '../testing/fixtures.js';
import {
  countEndorsements,
  endorsementWindow,
  foundCopyWindow,
  etcdEndorsementEndsAt,
  etcdTtlMs,
  etcdWindow,
  quorumLapsesAt,
  leaseForWindow,
  majority,
  nextEndorsementExpiry,
  promiseExpired,
  releasesVoters,
  standardQuorumSize,
  twoVoterHoldout,
  voterCountOf,
  votersOf,
  votingFrom,
  type EndorsementQuery,
} from './quorum.js';
import type { Heartbeat, ResourceReport, ResourceSpec, Timing } from './types.js';

// Timing written out here on purpose: these tests check arithmetic, not the configuration's defaults.
const timing: Timing = {
  heartbeatInterval: 200,
  deadtime: 1000,
  lease: 1000,
  guard: 100,
  maxClockDrift: 0.01,
  shutdownGrace: 0,
  offlineDefault: 30_000,
};

function report(extra: Partial<ResourceReport> = {}): ResourceReport {
  return {
    name: 'r',
    state: 'STANDBY',
    role: 'secondary',
    priority: 100,
    eligible: true,
    yielding: false,
    forced: false,
    dirty: false,
    offline: false,
    vote: '',
    voteEcho: 0,
    ...extra,
  };
}

let seq = 0;
function heartbeat(node: string, r: ResourceReport, leaving = false): Heartbeat {
  return { node, incarnation: 1, seq: ++seq, sentAt: 0, leaving, resources: [r], echoes: [] };
}

function spec(members: string[], discover?: number): ResourceSpec {
  const specs = members.map((node) => ({ node, priority: 100, roleOnStart: 'secondary' as const }));
  return quickResourceSpec('r', specs, discover === undefined ? {} : { discoverMembers: { expectedNodes: discover, priority: 100 } });
}

describe('how many endorsements make a quorum', () => {
  it('is more than half of the voters', () => {
    expect([1, 2, 3, 4, 5].map(majority)).toEqual([1, 2, 2, 3, 3]);
  });

  it('is one with two voters (FreeHA: a node alone may hold once the other is gone), a majority otherwise', () => {
    expect([1, 2, 3, 4, 5].map((n) => standardQuorumSize(n))).toEqual([1, 1, 2, 3, 3]);
  });

  it('with two voters, the other must endorse this candidacy while it is seen', () => {
    const peers = [{ node: 'b', report: report({ vote: 'a', voteEcho: 500 }) }];
    expect(twoVoterHoldout(peers, 'a', 400)).toBeUndefined();
    expect(twoVoterHoldout(peers, 'a', 600)).toBe('b'); // echoes a time before this candidacy
    expect(twoVoterHoldout([{ node: 'b', report: report({ vote: 'b', voteEcho: 900 }) }], 'a', 400)).toBe('b');
    expect(twoVoterHoldout([], 'a', 400)).toBeUndefined();
  });
});

describe('etcd as one more voter', () => {
  it('adds one voter: two nodes and etcd are three (quorum 2, not the two-voter rule), with a watchdog four (quorum 3)', () => {
    const voters = new Set(['a', 'b']);
    expect(voterCountOf(spec(['a', 'b']), voters, true)).toBe(3);
    expect(voterCountOf(spec(['a', 'b', 'w']), new Set(['a', 'b', 'w']), true)).toBe(4);
    expect([2, 3, 4, 5].map((n) => standardQuorumSize(n, true))).toEqual([2, 2, 3, 3]);
  });

  it('has a TTL of the lease rounded up to whole seconds', () => {
    expect([1000, 1500, 2000, 2001].map(etcdTtlMs)).toEqual([1000, 2000, 2000, 3000]);
  });

  it('counts from the send time: TTL less 3% for drift and two guards (the shell took one off countsUntil)', () => {
    expect(etcdWindow(timing, 2000)).toBeCloseTo(2000 * 0.97 - 200);
    // Sent at 5000: the shell reports countsUntil 5000 + 2000 - 100 = 6900.
    expect(etcdEndorsementEndsAt(6900, timing, 2000)).toBeCloseTo(5000 + 1740);
  });
});

describe('who votes', () => {
  it('is every configured member', () => {
    const voters = votersOf(spec(['a', 'b', 'w']), 'a', new PeerTable());
    expect([...voters]).toEqual(['a', 'b', 'w']);
    expect(voterCountOf(spec(['a', 'b', 'w']), voters)).toBe(3);
  });

  it('in freehad mode, every node heard reporting the resource, and never fewer than -n', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('b', report()), 0);
    peers.record({ ...heartbeat('c', report()), resources: [] }, 0);
    const voters = votersOf(spec(['a'], 3), 'a', peers);
    expect([...voters].sort()).toEqual(['a', 'b']);
    expect(voterCountOf(spec(['a'], 3), voters)).toBe(3);
  });
});

describe('how long an endorsement counts', () => {
  it('is the lease less 3% for clock drift and two guards', () => {
    expect(endorsementWindow(timing)).toBeCloseTo(1000 * 0.97 - 200);
  });

  it('a copy found at start-up is kept unendorsed only until the others could have dropped its finder', () => {
    // lease = deadtime: the endorsement window, as before.
    expect(foundCopyWindow(timing)).toBeCloseTo(endorsementWindow(timing));
    // A lease longer than the deadtime (etcd's 2 s minimum with a 1 s deadtime): the deadtime's window.
    const long = { ...timing, lease: 2000, guard: 200 };
    expect(foundCopyWindow(long)).toBeCloseTo(1000 * 0.97 - 400);
    expect(foundCopyWindow(long)).toBeLessThan(endorsementWindow(long));
  });

  it('the lease needed for a window inverts the window', () => {
    const lease = leaseForWindow(endorsementWindow(timing), timing.guard / timing.lease, timing.maxClockDrift);
    expect(lease).toBeCloseTo(timing.lease);
  });

  const query = (extra: Partial<EndorsementQuery> = {}): EndorsementQuery => ({
    resource: 'r',
    node: 'a',
    ownVote: 'a',
    voters: new Set(['a', 'b', 'w']),
    since: 0,
    now: 1000,
    etcdUntil: -Infinity,
    ...extra,
  });

  it('counts its own vote and each voter echoing a send time within the window', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('b', report({ vote: 'a', voteEcho: 900 })), 1000);
    peers.record(heartbeat('w', report({ vote: 'a', voteEcho: 300 })), 1000);
    expect(countEndorsements(peers, timing, query())).toBe(3);
    expect(countEndorsements(peers, timing, query({ ownVote: 'b' }))).toBe(2);
    // w's echo expires at 300 + 770 = 1070.
    expect(countEndorsements(peers, timing, query({ now: 1070 }))).toBe(2);
    expect(nextEndorsementExpiry(peers, timing, query())).toBeCloseTo(1070);
  });

  it("counts etcd's endorsement until etcdUntil, and the quorum lapses when it does if it was needed", () => {
    const peers = new PeerTable();
    peers.record(heartbeat('b', report({ vote: 'a', voteEcho: 900 })), 1000);
    expect(countEndorsements(peers, timing, query({ etcdUntil: 1200 }))).toBe(3);
    expect(countEndorsements(peers, timing, query({ etcdUntil: 1000 }))).toBe(2);
    expect(nextEndorsementExpiry(peers, timing, query({ etcdUntil: 1200 }))).toBe(1200);
    // Quorum 3 of 4: own vote, b's (until 1670) and etcd's (until 1200): it lapses with etcd's.
    expect(quorumLapsesAt(peers, timing, query({ etcdUntil: 1200 }), 3)).toBe(1200);
    expect(quorumLapsesAt(peers, timing, query({ etcdUntil: 1200 }), 2)).toBeCloseTo(1670);
  });

  it('ignores endorsements echoing a time before `since` or after now, and votes for others', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('b', report({ vote: 'a', voteEcho: 900 })), 1000);
    peers.record(heartbeat('w', report({ vote: 'b', voteEcho: 950 })), 1000);
    expect(countEndorsements(peers, timing, query({ since: 950 }))).toBe(1);
    expect(countEndorsements(peers, timing, query({ now: 850 }))).toBe(1);
    expect(nextEndorsementExpiry(peers, timing, query({ since: 950 }))).toBe(Infinity);
  });
});

describe("a voter's promise", () => {
  it('lasts the lease after it last heard the node it endorses', () => {
    expect(promiseExpired(1000, 1999, timing)).toBe(false);
    expect(promiseExpired(1000, 2000, timing)).toBe(true);
  });

  it('is given by a restarted voter only a lease after its start', () => {
    expect(votingFrom(5000, timing)).toBe(6000);
  });

  it('ends early when the endorsed node neither holds nor votes for itself, or leaves', () => {
    expect(releasesVoters('b', report({ vote: 'w' }), false)).toBe(true);
    expect(releasesVoters('b', report({ vote: 'b' }), false)).toBe(false);
    expect(releasesVoters('b', report({ state: 'RUNNING', vote: 'w' }), false)).toBe(false);
    expect(releasesVoters('b', report({ vote: 'b' }), true)).toBe(true);
    expect(releasesVoters('b', report({ state: 'ERRORED', dirty: true }), true)).toBe(false);
  });

  it('does not end while the endorsed node is still checking at start-up whether it runs there', () => {
    expect(releasesVoters('b', report({ state: 'INITIAL', vote: '' }), false)).toBe(false);
    expect(releasesVoters('b', report({ state: 'INITIAL', role: 'watchdog', vote: '' }), false)).toBe(true);
  });
});
