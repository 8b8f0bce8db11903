import { describe, expect, it } from 'vitest';
import { PeerTable } from './peers.js';
import type { Heartbeat } from './types.js';

/** The lease, after which a silent newest heartbeat hides nothing. */
const LEASE = 1_000;

function heartbeat(node: string, incarnation: number, seq: number): Heartbeat {
  return { node, incarnation, seq, sentAt: seq * 200, leaving: false, resources: [], echoes: [] };
}

describe('PeerTable.record', () => {
  it('takes a new peer, then only newer sequence numbers of its incarnation', () => {
    const peers = new PeerTable();
    expect(peers.record(heartbeat('bolek', 5, 1), 0, LEASE)).toBe('new-peer');
    expect(peers.record(heartbeat('bolek', 5, 2), 200, LEASE)).toBe('updated');
    expect(peers.record(heartbeat('bolek', 5, 2), 210, LEASE)).toBe('stale');
    expect(peers.record(heartbeat('bolek', 5, 1), 220, LEASE)).toBe('stale');
    expect(peers.get('bolek')?.heartbeat.seq).toBe(2);
    expect(peers.get('bolek')?.previous?.seq).toBe(1);
  });

  it('takes a newer incarnation as a restart, and refuses the older one while the newer is heard', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('bolek', 5, 40), 0, LEASE);
    expect(peers.record(heartbeat('bolek', 6, 1), 100, LEASE)).toBe('restarted');
    expect(peers.get('bolek')?.previous).toBeUndefined();
    expect(peers.record(heartbeat('bolek', 5, 41), 150, LEASE)).toBe('stale');
    expect(peers.record(heartbeat('bolek', 5, 42), 100 + LEASE - 1, LEASE)).toBe('stale');
  });

  it('takes the real heartbeats again once a forged incarnation far ahead has been silent for the lease', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('bolek', 5, 10), 0, LEASE);
    expect(peers.record(heartbeat('bolek', 1e300, 1), 50, LEASE)).toBe('restarted');
    // The real node goes on at its own incarnation: hidden only until the forgery is a lease old.
    let now = 50;
    const results: string[] = [];
    for (let seq = 11; now < 50 + 2 * LEASE; seq++, now += 200) results.push(peers.record(heartbeat('bolek', 5, seq), now, LEASE));
    const firstTaken = results.indexOf('restarted');
    expect(firstTaken).toBeGreaterThan(0);
    expect(50 + firstTaken * 200).toBe(50 + LEASE);
    expect(results.slice(firstTaken + 1).every((r) => r === 'updated')).toBe(true);
    expect(peers.get('bolek')?.heartbeat.incarnation).toBe(5);
  });

  it('takes the real heartbeats again once a forged sequence number near 2^32 has been silent for the lease', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('bolek', 5, 10), 0, LEASE);
    expect(peers.record(heartbeat('bolek', 5, 0xffff_ffff), 10, LEASE)).toBe('updated');
    expect(peers.record(heartbeat('bolek', 5, 11), 200, LEASE)).toBe('stale');
    expect(peers.record(heartbeat('bolek', 5, 15), 10 + LEASE, LEASE)).toBe('updated');
    expect(peers.record(heartbeat('bolek', 5, 16), 1_210, LEASE)).toBe('updated');
  });

  it('takes a node restarted with its clock set back once its previous run is silent for the lease', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('bolek', 2_000_000, 99), 0, LEASE);
    expect(peers.record(heartbeat('bolek', 1_000_000, 1), 500, LEASE)).toBe('stale');
    expect(peers.record(heartbeat('bolek', 1_000_000, 4), LEASE, LEASE)).toBe('restarted');
    expect(peers.isVisible('bolek', LEASE + 1, LEASE)).toBe(true);
  });

  it('refuses an older heartbeat for good without a silence to supersede after', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('bolek', 5, 10), 0);
    expect(peers.record(heartbeat('bolek', 4, 11), 1e12)).toBe('stale');
  });

  it('echoes exactly the peers recorded', () => {
    const peers = new PeerTable();
    peers.record(heartbeat('bolek', 5, 3), 0, LEASE);
    peers.record(heartbeat('reksio', 7, 9), 0, LEASE);
    expect(peers.echoes()).toEqual([
      { node: 'bolek', seq: 3, sentAt: 600 },
      { node: 'reksio', seq: 9, sentAt: 1_800 },
    ]);
  });
});
