import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Echo, Heartbeat, ResourceReport } from '../core/types.js';
import { RESOURCE_STATES, ROLES } from '../core/types.js';
import { crc32 } from './crc32.js';
import { decodeHeartbeat } from './decode.js';
import type { DecodeResult, Rejection } from './decode.js';
import { encodeHeartbeat } from './encode.js';
import { MAX_DATAGRAM_BYTES } from './format.js';

const KEY = Buffer.from('correct horse battery staple');
const OTHER_KEY = Buffer.from('another cluster');

function resource(overrides: Partial<ResourceReport> = {}): ResourceReport {
  return {
    name: 'shared',
    state: 'RUNNING',
    role: 'primary',
    priority: 0,
    eligible: true,
    yielding: false,
    forced: false,
    dirty: false,
    offline: false,
    vote: 'lolek',
    voteEcho: 12.25,
    ...overrides,
  };
}

function heartbeat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    node: 'lolek',
    incarnation: 1_718_000_000_123.5,
    seq: 42,
    sentAt: 98_765.4321,
    leaving: false,
    resources: [resource()],
    echoes: [{ node: 'bolek', seq: 7, sentAt: 5_000.125 }],
    ...overrides,
  };
}

function rejection(result: DecodeResult): Rejection | 'accepted' {
  return result.ok ? 'accepted' : result.reason;
}

function roundTrip(hb: Heartbeat, key: Buffer | null): Heartbeat {
  const result = decodeHeartbeat(encodeHeartbeat(hb, key), key);
  if (!result.ok) throw new Error(`rejected: ${result.reason}: ${result.detail}`);
  return result.heartbeat;
}

// The datagram written out by hand from the field table in format.ts, independently of the encoder.
const u8 = (n: number) => Buffer.from([n]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const f64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b;
};
/** The datagram `content` with its CRC-32 appended, as a sender writes it. */
const seal = (content: Buffer) => Buffer.concat([content, u32(crc32(content))]);
/** A datagram without its checksum. */
const unsealed = (datagram: Buffer) => datagram.subarray(0, datagram.length - 4);
const nameOf = (bytes: Buffer) => Buffer.concat([u8(bytes.length), bytes]);
const name = (s: string) => nameOf(Buffer.from(s, 'utf8'));

function echoBytes(o: { node?: Buffer; seq?: number; sentAt?: number } = {}): Buffer {
  return Buffer.concat([o.node ?? name('bolek'), u32(o.seq ?? 7), f64(o.sentAt ?? 5_000.125)]);
}

function resourceBytes(o: { state?: number; role?: number; flags?: number; vote?: Buffer; voteEcho?: number } = {}): Buffer {
  return Buffer.concat([
    name('shared'),
    u8(o.state ?? RESOURCE_STATES.indexOf('RUNNING')),
    u8(o.role ?? ROLES.indexOf('primary')),
    i32(0),
    u8(o.flags ?? 0x01),
    o.vote ?? u8(1),
    f64(o.voteEcho ?? 12.25),
  ]);
}

function datagramBytes(
  o: { flags?: number; sender?: Buffer; sentAt?: number; echoes?: Buffer[]; resources?: Buffer[]; key?: Buffer } = {},
): Buffer {
  const echoes = o.echoes ?? [echoBytes()];
  const resources = o.resources ?? [resourceBytes()];
  const body = Buffer.concat([
    Buffer.from('HSTM', 'ascii'),
    u8(2),
    u8(o.flags ?? (o.key ? 0x01 : 0x00)),
    o.sender ?? name('lolek'),
    f64(1_718_000_000_123.5),
    u32(42),
    f64(o.sentAt ?? 98_765.4321),
    u8(echoes.length),
    ...echoes,
    u8(resources.length),
    ...resources,
  ]);
  return seal(o.key ? Buffer.concat([body, createHmac('sha256', o.key).update(body).digest()]) : body);
}

/** A heartbeat whose datagram is exactly `size` bytes, padded with echoes of chosen name lengths. */
function heartbeatOfSize(size: number, key: Buffer | null): Heartbeat {
  const hb = heartbeat({ echoes: [] });
  let missing = size - encodeHeartbeat(hb, key).length;
  // An echo costs 1 length byte + name + 4 (seq) + 8 (sentAt).
  for (let i = 0; missing > 0 && i < 20; i++) {
    // Leave at least 14 bytes for the last echo, whose name is at least 1 byte.
    const nameLength = missing - 13 <= 255 ? missing - 13 : Math.min(255, missing - 27);
    if (nameLength < 1) throw new Error(`test helper cannot reach ${size} bytes`);
    const echo: Echo = { node: `${String.fromCharCode(97 + i)}${'x'.repeat(nameLength - 1)}`, seq: i, sentAt: i };
    hb.echoes.push(echo);
    missing -= 13 + nameLength;
  }
  return hb;
}

describe('encodeHeartbeat / decodeHeartbeat round trip', () => {
  it('writes exactly the layout documented in format.ts', () => {
    expect(encodeHeartbeat(heartbeat(), null)).toEqual(datagramBytes());
    expect(encodeHeartbeat(heartbeat(), KEY)).toEqual(datagramBytes({ key: KEY }));
  });

  it('gives each heartbeat a datagram of its own: the next one, written in the same scratch space, leaves it intact', () => {
    const first = encodeHeartbeat(heartbeat(), KEY);
    const copy = Buffer.from(first);
    const second = encodeHeartbeat(heartbeat({ node: 'bolek', seq: 43, echoes: [{ node: 'lolek', seq: 9, sentAt: 1 }] }), null);
    expect(first).toEqual(copy);
    expect(first.buffer === second.buffer && first.byteOffset === second.byteOffset).toBe(false);
    expect(roundTrip(heartbeat(), KEY)).toEqual(heartbeat());
  });

  it.each([
    ['plain', heartbeat()],
    ['leaving', heartbeat({ leaving: true })],
    ['no resources, no echoes', heartbeat({ resources: [], echoes: [] })],
    ['unicode names', heartbeat({
      node: 'wężyk-日本-🙂',
      echoes: [{ node: 'Ærøskøbing', seq: 1, sentAt: 0 }, { node: 'ß\u0000x', seq: 2, sentAt: 0.5 }],
      resources: [resource({ name: 'żółw 🐢', vote: 'Ærøskøbing' }), resource({ name: 'ñ', vote: 'wężyk-日本-🙂' })],
    })],
    ['votes: none, self, peer, and a node not echoed', heartbeat({
      resources: [
        resource({ vote: '', voteEcho: 0 }),
        resource({ vote: 'lolek' }),
        resource({ vote: 'bolek' }),
        resource({ vote: 'reksio', voteEcho: 3.75 }),
      ],
    })],
    ['every state, role and flag combination', heartbeat({
      resources: RESOURCE_STATES.map((state, i) =>
        resource({
          name: `r${i}`,
          state,
          role: ROLES[i % ROLES.length] ?? 'init',
          eligible: (i & 1) !== 0,
          yielding: (i & 2) !== 0,
          forced: (i & 4) !== 0,
          dirty: i % 3 === 0,
          offline: false,
        }),
      ),
    })],
    ['extreme numbers', heartbeat({
      incarnation: 0,
      seq: 0xffff_ffff,
      sentAt: Number.MAX_VALUE,
      echoes: [{ node: 'bolek', seq: 0, sentAt: Number.MIN_VALUE }],
      resources: [resource({ priority: -0x8000_0000 }), resource({ priority: 0x7fff_ffff, voteEcho: 1e-300 })],
    })],
  ])('%s, with and without a key', (_label, hb) => {
    expect(roundTrip(hb, null)).toEqual(hb);
    expect(roundTrip(hb, KEY)).toEqual(hb);
  });

  it('is deterministic, and a keyed datagram is the plain one with the MAC flag and 32 more bytes', () => {
    const plain = encodeHeartbeat(heartbeat(), null);
    const keyed = encodeHeartbeat(heartbeat(), KEY);
    expect(encodeHeartbeat(heartbeat(), null)).toEqual(plain);
    expect(keyed.length).toBe(plain.length + 32);
    expect(keyed.readUInt8(5)).toBe(0x01);
    expect(keyed.subarray(6, plain.length - 4)).toEqual(plain.subarray(6, plain.length - 4));
  });

  it('ends every datagram, keyed or not, with the CRC-32 of all bytes before it', () => {
    for (const key of [null, KEY]) {
      const datagram = encodeHeartbeat(heartbeat(), key);
      expect(datagram.readUInt32BE(datagram.length - 4)).toBe(crc32(unsealed(datagram)));
    }
  });
});

describe('decodeHeartbeat rejections', () => {
  const plain = encodeHeartbeat(heartbeat(), null);
  const keyed = encodeHeartbeat(heartbeat(), KEY);
  /** One byte changed and the checksum recomputed: what a sender could write, to reach the layers after the checksum. */
  const patched = (source: Buffer, offset: number, value: number) => {
    const copy = Buffer.from(unsealed(source));
    copy.writeUInt8(value, offset);
    return seal(copy);
  };
  /** One bit flipped in transit, the checksum left as it was. */
  const flipped = (source: Buffer, offset: number, bit: number) => {
    const copy = Buffer.from(source);
    copy.writeUInt8(copy.readUInt8(offset) ^ (1 << bit), offset);
    return copy;
  };

  it.each<[string, Buffer, Buffer | null, Rejection]>([
    ['empty datagram', Buffer.alloc(0), null, 'truncated'],
    ['shorter than the header', Buffer.from('HST'), null, 'truncated'],
    ['header without a checksum', plain.subarray(0, 6), null, 'truncated'],
    ['header and checksum only', seal(plain.subarray(0, 6)), null, 'truncated'],
    ['body cut short', seal(unsealed(plain).subarray(0, plain.length - 5)), null, 'truncated'],
    ['keyed datagram too short for a MAC', seal(keyed.subarray(0, 6 + 31)), KEY, 'truncated'],
    ['more than 1400 bytes', Buffer.alloc(MAX_DATAGRAM_BYTES + 1), null, 'oversized'],
    ['other magic', patched(plain, 0, 0x68), null, 'bad-magic'],
    ['other protocol', Buffer.from('GET / HTTP/1.0\r\n\r\n'), null, 'bad-magic'],
    ['version 1, without a checksum', patched(plain, 4, 1), null, 'bad-version'],
    ['version 3', patched(plain, 4, 3), null, 'bad-version'],
    ['version 0', patched(plain, 4, 0), null, 'bad-version'],
    ['a bit flipped in the body', flipped(plain, 20, 0), null, 'bad-checksum'],
    ['a bit flipped in the flags', flipped(plain, 5, 1), null, 'bad-checksum'],
    ['a bit flipped in the checksum', flipped(plain, plain.length - 1, 7), null, 'bad-checksum'],
    ['a bit flipped in a keyed datagram', flipped(keyed, 20, 3), KEY, 'bad-checksum'],
    ['a bit flipped in the MAC', flipped(keyed, keyed.length - 5, 3), KEY, 'bad-checksum'],
    ['last byte lost', plain.subarray(0, plain.length - 1), null, 'bad-checksum'],
    ['a byte appended', Buffer.concat([plain, u8(0)]), null, 'bad-checksum'],
    ['unauthenticated datagram where a key is configured', plain, KEY, 'missing-mac'],
    ['authenticated datagram where no key is configured', keyed, null, 'unexpected-mac'],
    ['another key', keyed, OTHER_KEY, 'bad-mac'],
    ['altered body, checksum recomputed', patched(keyed, 20, keyed.readUInt8(20) ^ 0x01), KEY, 'bad-mac'],
    ['altered leaving flag, checksum recomputed', patched(keyed, 5, 0x03), KEY, 'bad-mac'],
    ['altered MAC, checksum recomputed', patched(keyed, keyed.length - 5, keyed.readUInt8(keyed.length - 5) ^ 0x80), KEY, 'bad-mac'],
    ['MAC stripped and flag cleared', patched(seal(keyed.subarray(0, plain.length - 4)), 5, 0x00), KEY, 'missing-mac'],
    ['trailing byte', seal(Buffer.concat([unsealed(plain), u8(0)])), null, 'malformed'],
    ['unknown header flag', patched(plain, 5, 0x04), null, 'malformed'],
    ['empty sender name', datagramBytes({ sender: name('') }), null, 'malformed'],
    ['sender name not UTF-8', datagramBytes({ sender: nameOf(Buffer.from([0x61, 0xc3])) }), null, 'malformed'],
    ['overlong UTF-8', datagramBytes({ sender: nameOf(Buffer.from([0xc0, 0xaf])) }), null, 'malformed'],
    ['UTF-8 of a lone surrogate', datagramBytes({ sender: nameOf(Buffer.from([0xed, 0xa0, 0x80])) }), null, 'malformed'],
    ['NaN send time', datagramBytes({ sentAt: Number.NaN }), null, 'malformed'],
    ['infinite send time', datagramBytes({ sentAt: Number.POSITIVE_INFINITY }), null, 'malformed'],
    ['negative send time', datagramBytes({ sentAt: -1 }), null, 'malformed'],
    ['negative vote echo', datagramBytes({ resources: [resourceBytes({ voteEcho: -0.5 })] }), null, 'malformed'],
    ['echo of the sender', datagramBytes({ echoes: [echoBytes({ node: name('lolek') })] }), null, 'malformed'],
    ['same peer echoed twice', datagramBytes({ echoes: [echoBytes(), echoBytes()] }), null, 'malformed'],
    ['state index out of range', datagramBytes({ resources: [resourceBytes({ state: RESOURCE_STATES.length })] }), null, 'malformed'],
    ['role index out of range', datagramBytes({ resources: [resourceBytes({ role: ROLES.length })] }), null, 'malformed'],
    ['unknown resource flag', datagramBytes({ resources: [resourceBytes({ flags: 0x20 })] }), null, 'malformed'],
    ['vote beyond the name table', datagramBytes({ resources: [resourceBytes({ vote: u8(3) })] }), null, 'malformed'],
    ['vote spelling out a table name', datagramBytes({ resources: [resourceBytes({ vote: Buffer.concat([u8(255), name('bolek')]) })] }), null, 'malformed'],
    ['spelled-out vote that is empty', datagramBytes({ resources: [resourceBytes({ vote: Buffer.concat([u8(255), name('')]) })] }), null, 'malformed'],
    ['malformed, even when authenticated', datagramBytes({ echoes: [echoBytes(), echoBytes()], key: KEY }), KEY, 'malformed'],
  ])('%s', (_label, datagram, key, expected) => {
    const result = decodeHeartbeat(datagram, key);
    expect(rejection(result)).toBe(expected);
    if (!result.ok) expect(result.detail).not.toBe('');
  });

  it('checks the size before anything else', () => {
    expect(rejection(decodeHeartbeat(Buffer.concat([keyed, Buffer.alloc(MAX_DATAGRAM_BYTES)]), KEY))).toBe('oversized');
  });
});

describe('datagram size limit', () => {
  const nodeName = (i: number) => `node-${i}`.padEnd(32, '.');
  const resourceName = (i: number) => `resource-${i}`.padEnd(32, '_');

  function cluster(peers: number, vote: (i: number) => string): Heartbeat {
    return heartbeat({
      node: nodeName(0),
      echoes: Array.from({ length: peers }, (_, i) => ({ node: nodeName(i + 1), seq: 0xffff_ffff, sentAt: 1e12 + 0.5 })),
      resources: Array.from({ length: 8 }, (_, i) =>
        resource({ name: resourceName(i), priority: -0x8000_0000, vote: vote(i), voteEcho: 1e12 + 0.25 }),
      ),
    });
  }

  it('fits 16 nodes and 8 resources with 32-character names, with a key, with room to spare', () => {
    const sixteenNodes = cluster(15, (i) => nodeName(i * 2));
    const datagram = encodeHeartbeat(sixteenNodes, KEY);
    expect(datagram.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    expect(roundTrip(sixteenNodes, KEY)).toEqual(sixteenNodes);
    // Even one more echoed peer still fits.
    expect(encodeHeartbeat(cluster(16, (i) => nodeName(i)), KEY).length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
  });

  it('accepts exactly 1400 bytes and refuses 1401 when encoding', () => {
    for (const key of [null, KEY]) {
      const atLimit = heartbeatOfSize(MAX_DATAGRAM_BYTES, key);
      const datagram = encodeHeartbeat(atLimit, key);
      expect(datagram.length).toBe(MAX_DATAGRAM_BYTES);
      expect(decodeHeartbeat(datagram, key)).toEqual({ ok: true, heartbeat: atLimit });
      expect(() => encodeHeartbeat(heartbeatOfSize(MAX_DATAGRAM_BYTES + 1, key), key)).toThrow(
        /needs 1401 bytes, more than the 1400-byte datagram limit/,
      );
    }
  });

  it('refuses a heartbeat whose votes name nodes it does not echo, when that makes it too large', () => {
    const tooLarge = cluster(16, (i) => `elsewhere-${i}`.padEnd(32, '!'));
    expect(() => encodeHeartbeat(tooLarge, KEY)).toThrow(/datagram limit \(8 resources, 16 peers\)/);
  });
});

describe('encodeHeartbeat refuses what it cannot send', () => {
  it('accepts names of 255 UTF-8 bytes and refuses 256', () => {
    const twoByteName = `${'é'.repeat(127)}a`;
    expect(Buffer.byteLength(twoByteName)).toBe(255);
    expect(roundTrip(heartbeat({ node: 'x'.repeat(255), echoes: [] }), null).node).toBe('x'.repeat(255));
    expect(roundTrip(heartbeat({ resources: [resource({ name: twoByteName })] }), null).resources[0]?.name).toBe(twoByteName);
    expect(() => encodeHeartbeat(heartbeat({ node: 'é'.repeat(128) }), null)).toThrow(/heartbeat.node is 256 bytes/);
    expect(() => encodeHeartbeat(heartbeat({ resources: [resource({ vote: 'v'.repeat(256) })] }), null)).toThrow(
      /resources\[0\].vote is 256 bytes/,
    );
  });

  it.each<[string, Heartbeat, RegExp]>([
    ['empty node name', heartbeat({ node: '' }), /heartbeat.node is empty/],
    ['empty resource name', heartbeat({ resources: [resource({ name: '' })] }), /resources\[0\].name is empty/],
    ['lone surrogate', heartbeat({ node: 'a\ud800' }), /not well-formed/],
    ['NaN send time', heartbeat({ sentAt: Number.NaN }), /sentAt must be a finite number >= 0/],
    ['negative incarnation', heartbeat({ incarnation: -1 }), /incarnation must be a finite number >= 0/],
    ['infinite vote echo', heartbeat({ resources: [resource({ voteEcho: Infinity })] }), /voteEcho/],
    ['seq beyond uint32', heartbeat({ seq: 2 ** 32 }), /seq must be an integer/],
    ['fractional seq', heartbeat({ seq: 1.5 }), /seq must be an integer/],
    ['fractional priority', heartbeat({ resources: [resource({ priority: 0.5 })] }), /priority must be a 32-bit/],
    ['priority beyond int32', heartbeat({ resources: [resource({ priority: 2 ** 31 })] }), /priority must be a 32-bit/],
    ['echo of the sender', heartbeat({ echoes: [{ node: 'lolek', seq: 1, sentAt: 1 }] }), /the sender or echoed twice/],
    ['unknown state', heartbeat({ resources: [resource({ state: 'TIMEDOUT' as never })] }), /state is not one of/],
    ['unknown role', heartbeat({ resources: [resource({ role: 'boss' as never })] }), /role is not one of/],
    [
      'more than 255 resources',
      heartbeat({ resources: Array.from({ length: 256 }, () => resource()) }),
      /at most 255 resources/,
    ],
  ])('%s', (_label, hb, message) => {
    expect(() => encodeHeartbeat(hb, null)).toThrow(message);
  });
});
