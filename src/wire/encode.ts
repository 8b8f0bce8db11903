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

/** Where heartbeats are written before they are sealed: kept across heartbeats, grown when one needs more. */
let scratch = Buffer.allocUnsafe(2 * MAX_DATAGRAM_BYTES);
/** Numbers go in through a DataView: Buffer's write methods check their arguments through a wrapper that allocates on every call. */
let scratchView = viewOf(scratch);

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Writes the fields in order into the scratch buffer: no allocation per field or per heartbeat. */
class Writer {
  length = 0;

  /** Makes room for `bytes` more; returns the view to write them through. */
  private room(bytes: number): DataView {
    if (this.length + bytes > scratch.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * scratch.length, this.length + bytes));
      scratch.copy(grown, 0, 0, this.length);
      scratch = grown;
      scratchView = viewOf(grown);
    }
    return scratchView;
  }

  bytes(value: Buffer): void {
    this.room(value.length);
    value.copy(scratch, this.length);
    this.length += value.length;
  }

  u8(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`${value} is not a byte`);
    this.room(1).setUint8(this.length, value);
    this.length += 1;
  }

  u32(value: number): void {
    this.room(4).setUint32(this.length, value);
    this.length += 4;
  }

  i32(value: number): void {
    this.room(4).setInt32(this.length, value);
    this.length += 4;
  }

  f64(value: number): void {
    this.room(8).setFloat64(this.length, value);
    this.length += 8;
  }

  name(encoded: Buffer): void {
    this.u8(encoded.length);
    this.bytes(encoded);
  }

  /** The fields written so far: a view of the scratch buffer, valid until the next heartbeat. */
  written(): Buffer {
    return scratch.subarray(0, this.length);
  }
}

/** Names checked and encoded before: node and resource names repeat in every heartbeat. */
const encodedNames = new Map<string, Buffer>();
/** Far more names than a cluster has (nodes and resources); beyond it, names are encoded each time. */
const MAX_ENCODED_NAMES = 4096;

/**
 * Which field a check is about: `heartbeat.FIELD`, or `heartbeat.LIST[INDEX].FIELD`; the text is
 * made only for an error, since every heartbeat passes these checks.
 */
interface Field {
  list: 'echoes' | 'resources' | null;
  index: number;
  name: string;
}

function describe(field: Field): string {
  return field.list === null ? `heartbeat.${field.name}` : `heartbeat.${field.list}[${field.index}].${field.name}`;
}

function nameBytes(field: Field, value: string): Buffer {
  const known = encodedNames.get(value);
  if (known !== undefined) return known;
  const what = describe(field);
  const encoded = Buffer.from(value, 'utf8');
  if (encoded.length === 0) throw new Error(`${what} is empty`);
  if (encoded.length > MAX_NAME_BYTES) {
    throw new Error(`${what} is ${encoded.length} bytes of UTF-8, more than ${MAX_NAME_BYTES}: ${JSON.stringify(value)}`);
  }
  // A lone surrogate would silently become U+FFFD on the wire: the peer would see another name.
  if (encoded.toString('utf8') !== value) throw new Error(`${what} is not well-formed Unicode: ${JSON.stringify(value)}`);
  if (encodedNames.size < MAX_ENCODED_NAMES) encodedNames.set(value, encoded);
  return encoded;
}

function checkTime(field: Field, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${describe(field)} must be a finite number >= 0, got ${value}`);
  return value;
}

function checkUint32(field: Field, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new Error(`${describe(field)} must be an integer in 0..4294967295, got ${value}`);
  }
  return value;
}

function checkInt32(field: Field, value: number): number {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new Error(`${describe(field)} must be a 32-bit signed integer, got ${value}`);
  }
  return value;
}

function checkCount(what: string, count: number): number {
  if (count > 0xff) throw new Error(`a heartbeat carries at most 255 ${what}, got ${count}`);
  return count;
}

function indexOf<T>(field: Field, list: readonly T[], value: T): number {
  const index = list.indexOf(value);
  if (index < 0) throw new Error(`${describe(field)} is not one of ${list.join(', ')}: ${String(value)}`);
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

  const field: Field = { list: null, index: 0, name: 'node' };
  w.name(nameBytes(field, hb.node));
  field.name = 'incarnation';
  w.f64(checkTime(field, hb.incarnation));
  field.name = 'seq';
  w.u32(checkUint32(field, hb.seq));
  field.name = 'sentAt';
  w.f64(checkTime(field, hb.sentAt));

  const table = [hb.node];
  w.u8(checkCount('echoes', hb.echoes.length));
  field.list = 'echoes';
  for (let i = 0; i < hb.echoes.length; i++) {
    const echo = hb.echoes[i] as (typeof hb.echoes)[number];
    field.index = i;
    field.name = 'node';
    if (table.includes(echo.node)) {
      throw new Error(`${describe(field)} ${JSON.stringify(echo.node)} is the sender or echoed twice`);
    }
    table.push(echo.node);
    w.name(nameBytes(field, echo.node));
    field.name = 'seq';
    w.u32(checkUint32(field, echo.seq));
    field.name = 'sentAt';
    w.f64(checkTime(field, echo.sentAt));
  }

  w.u8(checkCount('resources', hb.resources.length));
  field.list = 'resources';
  for (let i = 0; i < hb.resources.length; i++) {
    const r = hb.resources[i] as (typeof hb.resources)[number];
    field.index = i;
    field.name = 'name';
    w.name(nameBytes(field, r.name));
    field.name = 'state';
    w.u8(indexOf(field, RESOURCE_STATES, r.state));
    field.name = 'role';
    w.u8(indexOf(field, ROLES, r.role));
    field.name = 'priority';
    w.i32(checkInt32(field, r.priority));
    w.u8(resourceFlags(r));
    const code = voteCode(table, r.vote);
    w.u8(code);
    field.name = 'vote';
    if (code === VOTE_LITERAL) w.name(nameBytes(field, r.vote));
    field.name = 'voteEcho';
    w.f64(checkTime(field, r.voteEcho));
  }

  const body = w.written();
  const size = body.length + (key ? MAC_BYTES : 0) + CHECKSUM_BYTES;
  if (size > MAX_DATAGRAM_BYTES) {
    throw new Error(
      `heartbeat of node ${JSON.stringify(hb.node)} needs ${size} bytes, more than the ${MAX_DATAGRAM_BYTES}-byte ` +
        `datagram limit (${hb.resources.length} resources, ${hb.echoes.length} peers): use fewer or shorter names`,
    );
  }
  // One allocation per heartbeat, the datagram itself: the socket may still hold the previous one.
  const datagram = Buffer.allocUnsafe(size);
  body.copy(datagram, 0);
  let sealedLength = body.length;
  if (key) {
    computeMac(key, body).copy(datagram, sealedLength);
    sealedLength += MAC_BYTES;
  }
  datagram.writeUInt32BE(crc32(datagram.subarray(0, sealedLength)), sealedLength);
  return datagram;
}
