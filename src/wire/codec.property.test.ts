import { describe, expect, it } from 'vitest';
import type { Heartbeat, ResourceReport } from '../core/types.js';
import { RESOURCE_STATES, ROLES } from '../core/types.js';
import { crc32 } from './crc32.js';
import { DECODER_FAULT, REJECTIONS, decodeHeartbeat } from './decode.js';
import type { DecodeResult } from './decode.js';
import { encodeHeartbeat } from './encode.js';
import { heartbeatBytes } from './size.js';

/** mulberry32: a small seeded PRNG, so that a failure replays exactly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = prng(seed);
  }

  /** An integer in min..max inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  bytes(length: number): Buffer {
    const b = Buffer.alloc(length);
    for (let i = 0; i < length; i++) b[i] = this.int(0, 255);
    return b;
  }

  /** A time in milliseconds: zero, whole, or fractional like performance.now(). */
  time(): number {
    if (this.chance(0.1)) return 0;
    const value = this.next() * 10 ** this.int(0, 13);
    return this.chance(0.3) ? Math.floor(value) : value;
  }
}

// 1 to 4 UTF-8 bytes per character, including a surrogate pair in JavaScript.
const NAME_CHARS = ['a', 'b', 'k', 'z', 'Q', '0', '7', '-', '.', '_', ' ', 'é', 'ß', 'ł', '日', '本', '🙂', '\u0000'];

function randomName(r: Random): string {
  let name = '';
  for (let i = r.int(1, 8); i > 0; i--) name += r.pick(NAME_CHARS);
  return name;
}

function distinctName(r: Random, taken: readonly string[]): string {
  let name = randomName(r);
  for (let i = 0; taken.includes(name); i++) name = `${randomName(r)}${i}`;
  return name;
}

function randomHeartbeat(r: Random): Heartbeat {
  const node = randomName(r);
  const table = [node];
  const echoes = Array.from({ length: r.int(0, 16) }, () => {
    const peer = distinctName(r, table);
    table.push(peer);
    return { node: peer, seq: r.int(0, 0xffff_ffff), sentAt: r.time() };
  });
  const resources = Array.from({ length: r.int(0, 8) }, (): ResourceReport => {
    const voteKind = r.int(0, 3);
    const vote = voteKind === 0 ? '' : voteKind === 1 ? node : voteKind === 2 ? r.pick(table) : distinctName(r, table);
    return {
      name: randomName(r),
      state: r.pick(RESOURCE_STATES),
      role: r.pick(ROLES),
      priority: r.chance(0.1) ? r.pick([-0x8000_0000, 0x7fff_ffff, 0]) : r.int(-1000, 1000),
      eligible: r.chance(0.5),
      yielding: r.chance(0.5),
      forced: r.chance(0.5),
      dirty: r.chance(0.5),
      offline: r.chance(0.5),
      vote,
      voteEcho: r.time(),
    };
  });
  return { node, incarnation: r.time(), seq: r.int(0, 0xffff_ffff), sentAt: r.time(), leaving: r.chance(0.2), resources, echoes };
}

function mutate(r: Random, original: Buffer): Buffer {
  const copy = Buffer.from(original);
  switch (r.int(0, 5)) {
    case 0: // bit flips
      for (let i = r.int(1, 4); i > 0; i--) {
        const at = r.int(0, copy.length - 1);
        copy.writeUInt8(copy.readUInt8(at) ^ (1 << r.int(0, 7)), at);
      }
      return copy;
    case 1: // truncation
      return copy.subarray(0, r.int(0, copy.length - 1));
    case 2: // extension
      return Buffer.concat([copy, r.bytes(r.int(1, 24))]);
    case 3: {
      // byte swap
      const a = r.int(0, copy.length - 1);
      const b = r.int(0, copy.length - 1);
      const byteA = copy.readUInt8(a);
      copy.writeUInt8(copy.readUInt8(b), a);
      copy.writeUInt8(byteA, b);
      return copy;
    }
    case 4: // one byte overwritten, often a count, length or index
      copy.writeUInt8(r.pick([0, 1, 2, 7, 8, 0x7f, 0x80, 0xfe, 0xff, r.int(0, 255)]), r.int(0, copy.length - 1));
      return copy;
    default: {
      // bytes inserted or removed in the middle
      const at = r.int(0, copy.length);
      return r.chance(0.5)
        ? Buffer.concat([copy.subarray(0, at), r.bytes(r.int(1, 8)), copy.subarray(at)])
        : Buffer.concat([copy.subarray(0, at), copy.subarray(Math.min(copy.length, at + r.int(1, 8)))]);
    }
  }
}

/** `content` with its CRC-32 appended: what a sender that means to write these bytes would send. */
function seal(content: Buffer): Buffer {
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(content));
  return Buffer.concat([content, checksum]);
}

const KEY = Buffer.from('the cluster secret');
const OTHER_KEY = Buffer.from('a different secret');
const KNOWN_REASONS: readonly string[] = REJECTIONS;

describe('decodeHeartbeat under random and mutated input', () => {
  it('round-trips random heartbeats, with and without a key', () => {
    const r = new Random(1);
    for (let i = 0; i < 2_000; i++) {
      const hb = randomHeartbeat(r);
      const key = r.chance(0.5) ? KEY : null;
      expect(decodeHeartbeat(encodeHeartbeat(hb, key), key)).toEqual({ ok: true, heartbeat: hb });
    }
  });

  it('never throws, only rejects for known reasons, never accepts a forgery or a corruption, and re-encodes what it accepts', () => {
    const r = new Random(20_240_601);
    const pool = Array.from({ length: 300 }, () => {
      const hb = randomHeartbeat(r);
      const key = r.chance(0.5) ? KEY : null;
      return { datagram: encodeHeartbeat(hb, key), key };
    });

    const seen = new Map<string, number>();
    const failures: string[] = [];
    const fail = (what: string, datagram: Buffer, key: Buffer | null, result: DecodeResult) => {
      if (failures.length < 5) {
        failures.push(`${what}: key=${key ? 'yes' : 'no'} datagram=${datagram.toString('hex')} result=${JSON.stringify(result)}`);
      }
    };
    // Mutations left as they are stand for corruption in transit: the checksum must catch every one.
    // Mutations with the checksum recomputed stand for a sender writing those bytes on purpose:
    // they reach the body parser, which must hold on its own.
    let acceptedCorruptions = 0;
    let acceptedResealed = 0;

    const runs = 120_000;
    for (let i = 0; i < runs; i++) {
      const kind = r.int(0, 19);
      let datagram: Buffer;
      let key: Buffer | null;
      let original: Buffer | null = null;
      let resealed = false;
      if (kind < 3) {
        datagram = r.bytes(r.int(0, 2000));
        key = r.pick([null, KEY]);
      } else if (kind < 5) {
        // A plausible header over random bytes, sealed to reach the body parser.
        datagram = seal(Buffer.concat([Buffer.from('HSTM'), Buffer.from([2, r.int(0, 3)]), r.bytes(r.int(0, 400))]));
        key = r.pick([null, KEY]);
      } else {
        const sample = r.pick(pool);
        original = sample.datagram;
        resealed = r.chance(0.5);
        datagram = resealed ? seal(mutate(r, original.subarray(0, original.length - 4))) : mutate(r, original);
        // Mostly the right key; sometimes a wrong or missing one, as in a misconfigured cluster.
        key = r.chance(0.9) ? sample.key : r.pick([null, KEY, OTHER_KEY]);
      }

      const result = decodeHeartbeat(datagram, key);
      const outcome = result.ok ? 'ok' : result.reason;
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);

      if (!result.ok) {
        if (!KNOWN_REASONS.includes(result.reason)) fail('unknown reason', datagram, key, result);
        if (result.detail.startsWith(DECODER_FAULT)) fail('decoder fault', datagram, key, result);
        continue;
      }
      const mutated = original !== null && !datagram.equals(original);
      if (key && (original === null || mutated)) fail('forgery accepted', datagram, key, result);
      if (mutated && !resealed) {
        acceptedCorruptions++;
        fail('corruption accepted', datagram, key, result);
      }
      if (mutated && resealed) acceptedResealed++;
      if (!encodeHeartbeat(result.heartbeat, key).equals(datagram)) fail('re-encodes differently', datagram, key, result);
    }

    expect(failures).toEqual([]);
    // The run reached every reason, so none of the checks above was vacuous.
    for (const reason of REJECTIONS) expect(seen.get(reason) ?? 0, reason).toBeGreaterThan(0);
    expect(acceptedCorruptions).toBe(0);
    expect(acceptedResealed).toBeGreaterThan(0);
  });
});

describe('heartbeatBytes', () => {
  it('is the length of the encoded datagram, for random heartbeats with and without a key', () => {
    const r = new Random(7);
    for (let i = 0; i < 2_000; i++) {
      const hb = randomHeartbeat(r);
      const key = r.chance(0.5) ? KEY : null;
      const shape = { node: hb.node, echoes: hb.echoes.map((e) => e.node), resources: hb.resources, keyed: key !== null };
      expect(heartbeatBytes(shape)).toBe(encodeHeartbeat(hb, key).length);
    }
  });
});
