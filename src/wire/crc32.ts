// CRC-32 (IEEE 802.3, as in zlib, PNG and Ethernet): reflected polynomial 0xEDB88320, initial
// value and final XOR 0xFFFFFFFF. Node's zlib.crc32 only exists from Node 20.15, and hastmon
// runs on any Node 20, so the table-driven form is written out here.

const POLYNOMIAL = 0xedb8_8320;

/**
 * Signed 32-bit entries, and the running value kept signed too: an integer beyond 2^31 is a heap
 * number to the interpreter the daemon runs in, and unsigned entries made one per byte.
 */
const TABLE: Int32Array = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    table[n] = c | 0;
  }
  return table;
})();

/** The CRC-32 of `data`, as an unsigned 32-bit integer. */
export function crc32(data: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = (TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}
