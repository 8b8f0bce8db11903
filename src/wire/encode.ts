import type { Heartbeat, ResourceReport } from '../core/types.js';
import { RESOURCE_STATES, ROLES } from '../core/types.js';
import { crc32 } from './crc32.js';
import {
  CHECKSUM_BYTES,
  FLAG_LEAVING,
  FLAG_MAC,
  MAGIC,
  MAX_DATAGRAM_BYTES,
  MAX_NAME_BYTES,
  RESOURCE_DIRTY,
  RESOURCE_OFFLINE,
  RESOURCE_ELIGIBLE,
  RESOURCE_FORCED,
  RESOURCE_YIELDING,
  VERSION,
  VOTE_LITERAL,
  voteCode,
} from './format.js';
import { MAC_BYTES, computeMac } from './mac.js';

/** Collects the fields in order; a heartbeat is small, so plain parts and one concat suffice. */
class Writer {
  private readonly parts: Buffer[] = [];

  bytes(value: Buffer): void {
    this.parts.push(value);
  }

  u8(value: number): void {
    const b = Buffer.allocUnsafe(1);
    b.writeUInt8(value);
    this.parts.push(b);
  }

  u32(value: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(value);
    this.parts.push(b);
  }

  i32(value: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(value);
    this.parts.push(b);
  }

  f64(value: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(value);
    this.parts.push(b);
  }

  name(encoded: Buffer): void {
    this.u8(encoded.length);
    this.parts.push(encoded);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function nameBytes(what: string, value: string): Buffer {
  const encoded = Buffer.from(value, 'utf8');
  if (encoded.length === 0) throw new Error(`${what} is empty`);
  if (encoded.length > MAX_NAME_BYTES) {
    throw new Error(`${what} is ${encoded.length} bytes of UTF-8, more than ${MAX_NAME_BYTES}: ${JSON.stringify(value)}`);
  }
  // A lone surrogate would silently become U+FFFD on the wire: the peer would see another name.
  if (encoded.toString('utf8') !== value) throw new Error(`${what} is not well-formed Unicode: ${JSON.stringify(value)}`);
  return encoded;
}

function checkTime(what: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${what} must be a finite number >= 0, got ${value}`);
  return value;
}

function checkUint32(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new Error(`${what} must be an integer in 0..4294967295, got ${value}`);
  }
  return value;
}

function checkInt32(what: string, value: number): number {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new Error(`${what} must be a 32-bit signed integer, got ${value}`);
  }
  return value;
}

function checkCount(what: string, count: number): number {
  if (count > 0xff) throw new Error(`a heartbeat carries at most 255 ${what}, got ${count}`);
  return count;
}

function indexOf<T>(what: string, list: readonly T[], value: T): number {
  const index = list.indexOf(value);
  if (index < 0) throw new Error(`${what} is not one of ${list.join(', ')}: ${String(value)}`);
  return index;
}

function resourceFlags(r: ResourceReport): number {
  return (
    (r.eligible ? RESOURCE_ELIGIBLE : 0) |
    (r.yielding ? RESOURCE_YIELDING : 0) |
    (r.forced ? RESOURCE_FORCED : 0) |
    (r.dirty ? RESOURCE_DIRTY : 0) |
    (r.offline ? RESOURCE_OFFLINE : 0)
  );
}

/**
 * The datagram for `hb`, authenticated when `key` is given, with its checksum. Throws on a heartbeat that cannot be
 * sent (a name too long, a number out of range, more than MAX_DATAGRAM_BYTES): it is our own
 * data, so that is a configuration or programming error for the caller to report.
 */
export function encodeHeartbeat(hb: Heartbeat, key: Buffer | null): Buffer {
  const w = new Writer();
  w.bytes(MAGIC);
  w.u8(VERSION);
  w.u8((key ? FLAG_MAC : 0) | (hb.leaving ? FLAG_LEAVING : 0));

  w.name(nameBytes('heartbeat.node', hb.node));
  w.f64(checkTime('heartbeat.incarnation', hb.incarnation));
  w.u32(checkUint32('heartbeat.seq', hb.seq));
  w.f64(checkTime('heartbeat.sentAt', hb.sentAt));

  const table = [hb.node];
  w.u8(checkCount('echoes', hb.echoes.length));
  hb.echoes.forEach((echo, i) => {
    const what = `heartbeat.echoes[${i}]`;
    if (table.includes(echo.node)) {
      throw new Error(`${what}.node ${JSON.stringify(echo.node)} is the sender or echoed twice`);
    }
    table.push(echo.node);
    w.name(nameBytes(`${what}.node`, echo.node));
    w.u32(checkUint32(`${what}.seq`, echo.seq));
    w.f64(checkTime(`${what}.sentAt`, echo.sentAt));
  });

  w.u8(checkCount('resources', hb.resources.length));
  hb.resources.forEach((r, i) => {
    const what = `heartbeat.resources[${i}]`;
    w.name(nameBytes(`${what}.name`, r.name));
    w.u8(indexOf(`${what}.state`, RESOURCE_STATES, r.state));
    w.u8(indexOf(`${what}.role`, ROLES, r.role));
    w.i32(checkInt32(`${what}.priority`, r.priority));
    w.u8(resourceFlags(r));
    const code = voteCode(table, r.vote);
    w.u8(code);
    if (code === VOTE_LITERAL) w.name(nameBytes(`${what}.vote`, r.vote));
    w.f64(checkTime(`${what}.voteEcho`, r.voteEcho));
  });

  const body = w.finish();
  const size = body.length + (key ? MAC_BYTES : 0) + CHECKSUM_BYTES;
  if (size > MAX_DATAGRAM_BYTES) {
    throw new Error(
      `heartbeat of node ${JSON.stringify(hb.node)} needs ${size} bytes, more than the ${MAX_DATAGRAM_BYTES}-byte ` +
        `datagram limit (${hb.resources.length} resources, ${hb.echoes.length} peers): use fewer or shorter names`,
    );
  }
  const sealed = key ? Buffer.concat([body, computeMac(key, body)]) : body;
  const checksum = Buffer.allocUnsafe(CHECKSUM_BYTES);
  checksum.writeUInt32BE(crc32(sealed));
  return Buffer.concat([sealed, checksum]);
}
