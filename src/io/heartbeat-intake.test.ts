import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../core/types.js';
import { encodeHeartbeat } from '../wire/encode.js';
import { HeartbeatIntake } from './heartbeat-intake.js';

const KEY = Buffer.from('a shared secret');
const FROM = { address: '127.0.0.1', port: 9000 };

function heartbeat(node: string, seq: number, incarnation = 1): Heartbeat {
  return { node, incarnation, seq, sentAt: seq * 200, leaving: false, resources: [], echoes: [] };
}

function intake(friends: ReadonlySet<string> | null = null) {
  const lines: string[] = [];
  let now = 0;
  const i = new HeartbeatIntake({ self: 'lolek', key: KEY, friends, log: (level, m) => lines.push(`${level}: ${m}`), now: () => now });
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
});
