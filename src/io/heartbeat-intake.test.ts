import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../core/types.js';
import { encodeHeartbeat } from '../wire/encode.js';
import { MAX_INCARNATION_LEAD_MS } from '../wire/incarnation.js';
import type { PeerPolicy } from '../wire/peer-admission.js';
import { HeartbeatIntake } from './heartbeat-intake.js';

const KEY = Buffer.from('a shared secret');
const FROM = { address: '127.0.0.1', port: 9000 };
const LEASE = 1_000;
/** The wall clock the tests run at; incarnations are compared with it. */
const WALL_CLOCK = 1_700_000_000_000;
const CONFIGURED: PeerPolicy = { kind: 'configured', nodes: ['lolek', 'bolek', 'reksio'] };

function heartbeat(node: string, seq: number, incarnation = 1): Heartbeat {
  return { node, incarnation, seq, sentAt: seq * 200, leaving: false, resources: [], echoes: [] };
}

function intake(friends: ReadonlySet<string> | null = null, peers: PeerPolicy = CONFIGURED, key: Buffer | null = KEY) {
  const lines: string[] = [];
  let now = 0;
  const i = new HeartbeatIntake({
    self: 'lolek',
    key,
    friends,
    peers,
    resources: ['service'],
    supersededAfter: LEASE,
    log: (level, m) => lines.push(`${level}: ${m}`),
    now: () => now,
    wallClock: () => WALL_CLOCK + now,
  });
  return { i, lines, advance: (ms: number) => (now += ms) };
}

describe('heartbeat intake', () => {
  it('passes an authenticated, fresh heartbeat from a peer', () => {
    const { i } = intake();
    expect(i.accept(encodeHeartbeat(heartbeat('bolek', 1), KEY), FROM)?.node).toBe('bolek');
  });

  it('drops our own heartbeat looped back by multicast, without counting it as hostile', () => {
    const { i, lines } = intake();
    expect(i.accept(encodeHeartbeat(heartbeat('lolek', 1), KEY), FROM)).toBeUndefined();
    expect(i.drops.nonZero()).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('drops forged, unauthenticated and garbage datagrams, counts them, and logs each reason at a bounded rate', () => {
    const { i, lines, advance } = intake();
    const forged = encodeHeartbeat(heartbeat('bolek', 1), Buffer.from('another secret'));
    const unauthenticated = encodeHeartbeat(heartbeat('bolek', 2), null);
    for (let n = 0; n < 50; n++) {
      expect(i.accept(forged, FROM)).toBeUndefined();
      expect(i.accept(unauthenticated, FROM)).toBeUndefined();
      expect(i.accept(Buffer.from(`garbage ${n}`), FROM)).toBeUndefined();
    }
    expect(i.drops.nonZero()).toEqual([
      { reason: 'bad-magic', count: 50 },
      { reason: 'missing-mac', count: 50 },
      { reason: 'bad-mac', count: 50 },
    ]);
    expect(lines).toHaveLength(3); // one line per reason in the interval, however many arrive
    advance(10_001);
    i.accept(forged, FROM);
    expect(lines.at(-1)).toMatch(/bad-mac datagram from 127\.0\.0\.1:9000.*\(49 more since the last report\)/);
  });

  it('drops a replayed heartbeat and a duplicate quietly after the first copy passed', () => {
    const { i, lines } = intake();
    const first = encodeHeartbeat(heartbeat('bolek', 5), KEY);
    expect(i.accept(first, FROM)).toBeDefined();
    expect(i.accept(first, FROM)).toBeUndefined(); // the same one over a second channel
    expect(i.accept(encodeHeartbeat(heartbeat('bolek', 4), KEY), FROM)).toBeUndefined();
    expect(i.accept(encodeHeartbeat(heartbeat('bolek', 9, 0), KEY), FROM)).toBeUndefined(); // an older incarnation
    expect(i.drops.nonZero().map((d) => d.reason)).toEqual(['duplicate', 'stale', 'old-incarnation']);
    expect(lines).toHaveLength(1); // only the old incarnation is worth a warning
  });

  it('accepts only friends when friends are configured, and nobody when none of them resolved', () => {
    const some = intake(new Set(['127.0.0.2']));
    expect(some.i.accept(encodeHeartbeat(heartbeat('bolek', 1), KEY), FROM)).toBeUndefined();
    expect(some.i.accept(encodeHeartbeat(heartbeat('bolek', 1), KEY), { address: '127.0.0.2', port: 1 })?.node).toBe('bolek');
    const none = intake(new Set());
    expect(none.i.accept(encodeHeartbeat(heartbeat('bolek', 1), KEY), FROM)).toBeUndefined();
    expect(none.i.drops.nonZero()).toEqual([{ reason: 'not-friend', count: 1 }]);
  });

  it('drops heartbeats of nodes that are not in the configuration, however many, and keeps nothing of them', () => {
    const { i, lines } = intake(null, CONFIGURED, null);
    for (let n = 0; n < 10_000; n++) expect(i.accept(encodeHeartbeat(heartbeat(`forged-${n}`, 1), null), FROM)).toBeUndefined();
    expect(i.drops.nonZero()).toEqual([{ reason: 'unknown-node', count: 10_000 }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/unknown-node datagram from "forged-0" at 127\.0\.0\.1:9000: no such node in the configuration/);
    expect(i.accept(encodeHeartbeat(heartbeat('bolek', 1), null), FROM)?.node).toBe('bolek');
  });

  it('in freehad mode, takes the first nodes heard up to -n and drops the others', () => {
    const { i } = intake(null, { kind: 'discovered', expectedNodes: 3 }, null);
    expect(i.accept(encodeHeartbeat(heartbeat('bolek', 1), null), FROM)?.node).toBe('bolek');
    expect(i.accept(encodeHeartbeat(heartbeat('reksio', 1), null), FROM)?.node).toBe('reksio');
    for (let n = 0; n < 1_000; n++) expect(i.accept(encodeHeartbeat(heartbeat(`x${n}`.repeat(40), 1), null), FROM)).toBeUndefined();
    expect(i.accept(encodeHeartbeat(heartbeat('bolek', 2), null), FROM)?.node).toBe('bolek');
    expect(i.drops.nonZero()).toEqual([{ reason: 'unknown-node', count: 1_000 }]);
  });

  it('drops an incarnation more than a day ahead of this node\'s clock, and takes one just within', () => {
    const { i, lines } = intake();
    const at = (incarnation: number, seq: number) => ({ ...heartbeat('bolek', seq), incarnation });
    expect(i.accept(encodeHeartbeat(at(1e300, 1), KEY), FROM)).toBeUndefined();
    expect(i.accept(encodeHeartbeat(at(WALL_CLOCK + MAX_INCARNATION_LEAD_MS + 1, 1), KEY), FROM)).toBeUndefined();
    expect(i.drops.nonZero()).toEqual([{ reason: 'future-incarnation', count: 2 }]);
    expect(lines[0]).toMatch(/future-incarnation datagram from "bolek".*more than a day ahead/);
    expect(i.accept(encodeHeartbeat(at(WALL_CLOCK, 1), KEY), FROM)?.node).toBe('bolek');
    expect(i.accept(encodeHeartbeat(at(WALL_CLOCK + MAX_INCARNATION_LEAD_MS, 1), KEY), FROM)?.node).toBe('bolek');
  });

  it('takes a node\'s real heartbeats again once a forged newer incarnation has been silent for the lease', () => {
    const { i, advance } = intake(null, CONFIGURED, null);
    const real = (seq: number) => encodeHeartbeat({ ...heartbeat('bolek', seq), incarnation: WALL_CLOCK - 5_000 }, null);
    expect(i.accept(real(1), FROM)).toBeDefined();
    expect(i.accept(encodeHeartbeat({ ...heartbeat('bolek', 1), incarnation: WALL_CLOCK + 3_600_000 }, null), FROM)).toBeDefined();
    let seq = 2;
    let hiddenFor = 0;
    while (i.accept(real(seq++), FROM) === undefined && hiddenFor < 10 * LEASE) {
      advance(200);
      hiddenFor += 200;
    }
    expect(hiddenFor).toBe(LEASE);
    expect(i.accept(real(seq++), FROM)).toBeDefined();
  });

  it('drops a reloaded configuration\'s removed node, and takes an added one', () => {
    const { i } = intake();
    expect(i.accept(encodeHeartbeat(heartbeat('reksio', 1), KEY), FROM)).toBeDefined();
    i.reconfigure({ kind: 'configured', nodes: ['lolek', 'bolek', 'tola'] });
    expect(i.accept(encodeHeartbeat(heartbeat('reksio', 2), KEY), FROM)).toBeUndefined();
    expect(i.accept(encodeHeartbeat(heartbeat('tola', 1), KEY), FROM)).toBeDefined();
    expect(i.drops.nonZero()).toEqual([{ reason: 'unknown-node', count: 1 }]);
  });
});
