import { describe, expect, it } from 'vitest';
import { DEFAULT_MULTICAST_CHANNEL, parseChannel } from './channel.js';

const channel = (line: string) => parseChannel(line.split(' '));

describe('parseChannel', () => {
  it('has the documented default multicast group and TTL', () => {
    expect(DEFAULT_MULTICAST_CHANNEL).toEqual({ kind: 'multicast', group: '239.255.42.99', port: 8458, interface: null, ttl: 1 });
    expect(channel('multicast')).toEqual({ ok: true, value: DEFAULT_MULTICAST_CHANNEL });
  });

  it('reads group, port, interface and ttl in any order', () => {
    expect(channel('multicast 239.1.2.3:9000 ttl 0 interface 127.0.0.1')).toEqual({
      ok: true,
      value: { kind: 'multicast', group: '239.1.2.3', port: 9000, interface: '127.0.0.1', ttl: 0 },
    });
    expect(channel('multicast interface 127.0.0.1')).toEqual({
      ok: true,
      value: { ...DEFAULT_MULTICAST_CHANNEL, interface: '127.0.0.1' },
    });
    expect(channel('multicast [ff02::1]:7000')).toEqual({
      ok: true,
      value: { kind: 'multicast', group: 'ff02::1', port: 7000, interface: null, ttl: 1 },
    });
  });

  it('reads broadcast and unicast', () => {
    expect(channel('broadcast 192.0.2.255')).toEqual({ ok: true, value: { kind: 'broadcast', address: '192.0.2.255', port: 8458 } });
    expect(channel('broadcast 192.0.2.255:9000')).toEqual({ ok: true, value: { kind: 'broadcast', address: '192.0.2.255', port: 9000 } });
    expect(channel('unicast')).toEqual({ ok: true, value: { kind: 'unicast' } });
  });

  it.each([
    ['', 'missing argument'],
    ['carrier-pigeon', "unknown channel kind 'carrier-pigeon'"],
    ['multicast 192.0.2.1', "bad multicast group '192.0.2.1'"],
    ['multicast ttl', "missing argument: 'ttl' in channel multicast expects a number"],
    ['multicast ttl 300', "bad number '300' for ttl"],
    ['multicast interface eth0', "bad interface 'eth0'"],
    ['multicast ttl 1 ttl 2', "'ttl' given twice"],
    ['multicast 239.1.1.1 loop', "unexpected 'loop'"],
    ['broadcast', "missing argument: 'channel broadcast' expects ADDR[:PORT]"],
    ['broadcast ::1', "bad broadcast address '::1'"],
    ['broadcast 192.0.2.255 x', "unexpected 'x'"],
    ['unicast 192.0.2.1', 'it takes no arguments'],
  ])('rejects %j', (line, why) => {
    const parsed = parseChannel(line === '' ? [] : line.split(' '));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(why);
  });
});
