// The size of a heartbeat's datagram from its names alone, without encoding it: the configuration
// checks with it that the largest heartbeat of a cluster fits (config/limits.ts), and the intake
// that a node found in freehad mode still leaves room for the ones found before.
import { CHECKSUM_BYTES, HEADER_BYTES, VOTE_LITERAL, voteCode } from './format.js';
import { MAC_BYTES } from './mac.js';

/** incarnation (8), seq (4), sentAt (8), echo count (1), resource count (1). */
const SENDER_FIXED_BYTES = 8 + 4 + 8 + 1 + 1;
/** seq (4), sentAt (8). */
export const ECHO_FIXED_BYTES = 4 + 8;
/** state (1), role (1), priority (4), flags (1), vote code (1), voteEcho (8). */
export const RESOURCE_FIXED_BYTES = 1 + 1 + 4 + 1 + 1 + 8;

/** What decides a heartbeat's size: its names, and whether it carries a MAC. */
export interface HeartbeatShape {
  node: string;
  echoes: readonly string[];
  resources: ReadonlyArray<{ name: string; vote: string }>;
  keyed: boolean;
}

/** A name on the wire: its length byte and its UTF-8 bytes. */
export function nameFieldBytes(name: string): number {
  return 1 + Buffer.byteLength(name, 'utf8');
}

/** Exactly the length encodeHeartbeat gives a heartbeat of this shape. */
export function heartbeatBytes(shape: HeartbeatShape): number {
  const table = [shape.node, ...shape.echoes];
  let size = HEADER_BYTES + nameFieldBytes(shape.node) + SENDER_FIXED_BYTES;
  for (const echo of shape.echoes) size += nameFieldBytes(echo) + ECHO_FIXED_BYTES;
  for (const r of shape.resources) {
    size += nameFieldBytes(r.name) + RESOURCE_FIXED_BYTES;
    if (voteCode(table, r.vote) === VOTE_LITERAL) size += nameFieldBytes(r.vote);
  }
  return size + (shape.keyed ? MAC_BYTES : 0) + CHECKSUM_BYTES;
}
