import { isUtf8 } from 'node:buffer';
import type { Echo, Heartbeat, ResourceReport } from '../core/types.js';
import { RESOURCE_STATES, ROLES } from '../core/types.js';
import { crc32 } from './crc32.js';
import {
  CHECKSUM_BYTES,
  FLAG_LEAVING,
  FLAG_MAC,
  HEADER_BYTES,
  KNOWN_FLAGS,
  KNOWN_RESOURCE_FLAGS,
  MAGIC,
  MAX_DATAGRAM_BYTES,
  RESOURCE_DIRTY,
  RESOURCE_OFFLINE,
  RESOURCE_ELIGIBLE,
  RESOURCE_FORCED,
  RESOURCE_YIELDING,
  VERSION,
  VOTE_LITERAL,
  VOTE_NONE,
  voteCode,
} from './format.js';
import { MAC_BYTES, macMatches } from './mac.js';

export const REJECTIONS = [
  'truncated',
  'oversized',
  'bad-magic',
  'bad-version',
  'bad-checksum',
  'missing-mac',
  'unexpected-mac',
  'bad-mac',
  'malformed',
] as const;

export type Rejection = (typeof REJECTIONS)[number];

export type DecodeResult =
  | { ok: true; heartbeat: Heartbeat }
  | { ok: false; reason: Rejection; detail: string };

/** Starts the detail of a rejection that only a decoder bug can cause; tests assert it never appears. */
export const DECODER_FAULT = 'decoder fault: ';

/** Thrown only by this file's explicit checks, and caught only by decodeHeartbeat. */
class Rejected extends Error {
  constructor(
    readonly reason: Rejection,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Reads fields between `offset` and `end`, checking every bound before touching the buffer. A
 * field is named by a constant word, and by the echo or resource it belongs to (`item`); the
 * words of a rejection are put together only when one is made, never for a field read well.
 */
class Reader {
  private offset: number;
  /**
   * Numbers are read through a DataView: Buffer's read methods check their argument through a
   * wrapper that allocates on every call, a dozen times per heartbeat.
   */
  private readonly view: DataView;
  /** 'echo' or 'resource' while reading one, '' for the heartbeat's own fields. */
  private group = '';
  private index = 0;

  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.offset = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** The fields that follow belong to echo or resource `index`. */
  item(group: 'echo' | 'resource', index: number): void {
    this.group = group;
    this.index = index;
  }

  /** The fields that follow are the heartbeat's own again. */
  whole(): void {
    this.group = '';
  }

  /** How a rejection names `field` (and `suffix`, e.g. ' length'). */
  describe(field: string, suffix = ''): string {
    return this.group === '' ? `${field}${suffix}` : `${this.group} ${this.index} ${field}${suffix}`;
  }

  private take(size: number, field: string, suffix = ''): number {
    const left = this.end - this.offset;
    if (left < size) throw new Rejected('truncated', `${this.describe(field, suffix)} needs ${size} bytes at offset ${this.offset}, ${left} left`);
    const at = this.offset;
    this.offset += size;
    return at;
  }

  u8(field: string, suffix = ''): number {
    return this.view.getUint8(this.take(1, field, suffix));
  }

  u32(field: string): number {
    return this.view.getUint32(this.take(4, field));
  }

  i32(field: string): number {
    return this.view.getInt32(this.take(4, field));
  }

  time(field: string): number {
    const value = this.view.getFloat64(this.take(8, field));
    if (!Number.isFinite(value) || value < 0) throw new Rejected('malformed', `${this.describe(field)} is ${value}, not a finite number >= 0`);
    return value;
  }

  name(field: string): string {
    const length = this.u8(field, ' length');
    if (length === 0) throw new Rejected('malformed', `${this.describe(field)} is empty`);
    const at = this.take(length, field);
    const bytes = this.buf.subarray(at, at + length);
    if (!isUtf8(bytes)) throw new Rejected('malformed', `${this.describe(field)} is not valid UTF-8`);
    return bytes.toString('utf8');
  }

  enumIndex<T>(field: string, values: readonly T[]): T {
    const index = this.u8(field);
    const value = values[index];
    if (value === undefined) throw new Rejected('malformed', `${this.describe(field)} index ${index} is out of range 0..${values.length - 1}`);
    return value;
  }

  flags(field: string, known: number): number {
    const value = this.u8(field);
    if ((value & ~known) !== 0) throw new Rejected('malformed', `${this.describe(field)} has unknown bits 0x${value.toString(16)}`);
    return value;
  }

  left(): number {
    return this.end - this.offset;
  }
}

function readVote(reader: Reader, table: readonly string[], field: string): string {
  const code = reader.u8(field);
  if (code === VOTE_NONE) return '';
  if (code === VOTE_LITERAL) {
    const vote = reader.name(field);
    if (voteCode(table, vote) !== VOTE_LITERAL) throw new Rejected('malformed', `${reader.describe(field)} spells out a name of the name table`);
    return vote;
  }
  const vote = table[code - 1];
  if (vote === undefined) throw new Rejected('malformed', `${reader.describe(field)} refers to name ${code} of ${table.length}`);
  return vote;
}

function readResource(reader: Reader, table: readonly string[], i: number): ResourceReport {
  reader.item('resource', i);
  const name = reader.name('name');
  const state = reader.enumIndex('state', RESOURCE_STATES);
  const role = reader.enumIndex('role', ROLES);
  const priority = reader.i32('priority');
  const flags = reader.flags('flags', KNOWN_RESOURCE_FLAGS);
  const vote = readVote(reader, table, 'vote');
  const voteEcho = reader.time('vote echo');
  return {
    name,
    state,
    role,
    priority,
    eligible: (flags & RESOURCE_ELIGIBLE) !== 0,
    yielding: (flags & RESOURCE_YIELDING) !== 0,
    forced: (flags & RESOURCE_FORCED) !== 0,
    dirty: (flags & RESOURCE_DIRTY) !== 0,
    offline: (flags & RESOURCE_OFFLINE) !== 0,
    vote,
    voteEcho,
  };
}

/** Checks the envelope (size, magic, version, checksum, MAC) before reading a single field of the body. */
function decodeOrReject(datagram: Buffer, key: Buffer | null): Heartbeat {
  const size = datagram.length;
  if (size > MAX_DATAGRAM_BYTES) throw new Rejected('oversized', `${size} bytes, more than ${MAX_DATAGRAM_BYTES}`);
  if (size < HEADER_BYTES) throw new Rejected('truncated', `${size} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  if (!datagram.subarray(0, MAGIC.length).equals(MAGIC)) throw new Rejected('bad-magic', 'not a hastmon heartbeat');
  const version = datagram.readUInt8(MAGIC.length);
  if (version !== VERSION) throw new Rejected('bad-version', `version ${version}, this node speaks ${VERSION}`);
  if (size < HEADER_BYTES + CHECKSUM_BYTES) throw new Rejected('truncated', `${size} bytes, too short to hold a checksum`);
  const checked = size - CHECKSUM_BYTES;
  if (crc32(datagram.subarray(0, checked)) !== datagram.readUInt32BE(checked)) {
    throw new Rejected('bad-checksum', 'the CRC-32 does not match: corrupted in transit, or cut short');
  }
  const flags = datagram.readUInt8(MAGIC.length + 1);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new Rejected('malformed', `unknown header flag bits 0x${flags.toString(16)}`);
  const hasMac = (flags & FLAG_MAC) !== 0;
  if (key && !hasMac) throw new Rejected('missing-mac', 'a key is configured here but the datagram is not authenticated');
  if (!key && hasMac) throw new Rejected('unexpected-mac', 'the datagram is authenticated but no key is configured here');

  let end = checked;
  if (key) {
    if (checked < HEADER_BYTES + MAC_BYTES) throw new Rejected('truncated', `${size} bytes, too short to hold a MAC`);
    end = checked - MAC_BYTES;
    if (!macMatches(key, datagram.subarray(0, end), datagram.subarray(end, checked))) {
      throw new Rejected('bad-mac', 'the MAC does not match: another key, or altered in transit');
    }
  }

  const reader = new Reader(datagram, HEADER_BYTES, end);
  const node = reader.name('sender');
  const incarnation = reader.time('incarnation');
  const seq = reader.u32('seq');
  const sentAt = reader.time('sentAt');

  const table = [node];
  const echoes: Echo[] = [];
  const echoCount = reader.u8('echo count');
  for (let i = 0; i < echoCount; i++) {
    reader.item('echo', i);
    const echoNode = reader.name('node');
    if (table.includes(echoNode)) throw new Rejected('malformed', `echo ${i} repeats node ${JSON.stringify(echoNode)}`);
    table.push(echoNode);
    echoes.push({ node: echoNode, seq: reader.u32('seq'), sentAt: reader.time('sentAt') });
  }

  const resources: ResourceReport[] = [];
  reader.whole();
  const resourceCount = reader.u8('resource count');
  for (let i = 0; i < resourceCount; i++) resources.push(readResource(reader, table, i));

  if (reader.left() !== 0) throw new Rejected('malformed', `${reader.left()} trailing bytes after the last field`);
  return { node, incarnation, seq, sentAt, leaving: (flags & FLAG_LEAVING) !== 0, resources, echoes };
}

/**
 * Decodes and authenticates one received datagram. Never throws: anything from the network may
 * be hostile or garbage, and the caller only needs to count and drop it.
 */
export function decodeHeartbeat(datagram: Buffer, key: Buffer | null): DecodeResult {
  try {
    return { ok: true, heartbeat: decodeOrReject(datagram, key) };
  } catch (error) {
    if (error instanceof Rejected) return { ok: false, reason: error.reason, detail: error.message };
    // Every bound is checked above, so this is only a guard against a bug: the daemon must not die of it.
    return { ok: false, reason: 'malformed', detail: `${DECODER_FAULT}${String(error)}` };
  }
}
