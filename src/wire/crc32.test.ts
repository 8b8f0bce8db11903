import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf4_3926);
  });

  it('gives 0 for no data and known values for short inputs', () => {
    expect(crc32(Buffer.alloc(0))).toBe(0);
    expect(crc32(Buffer.from('a'))).toBe(0xe8b7_be43);
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414f_a339);
  });

  // Before Node 20.15 zlib has no crc32: the fixed vectors above still hold there.
  const zlibCrc = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  it.skipIf(zlibCrc === undefined)('agrees with zlib.crc32', () => {
    for (let size = 0; size < 1_500; size += 97) {
      const data = randomBytes(size);
      expect(crc32(data)).toBe(zlibCrc?.(data));
    }
  });

  it('notices every single-bit flip of a datagram-sized buffer', () => {
    const data = randomBytes(200);
    const good = crc32(data);
    for (let bit = 0; bit < data.length * 8; bit++) {
      data[bit >> 3] = (data[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(crc32(data)).not.toBe(good);
      data[bit >> 3] = (data[bit >> 3] as number) ^ (1 << (bit & 7));
    }
  });
});
