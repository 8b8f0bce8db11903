/*
 * The heartbeat datagram, version 2 (DESIGN §3). Integers are big-endian.
 *
 * | field          | size | encoding                                                            |
 * | -------------- | ---- | ------------------------------------------------------------------- |
 * | magic          | 4    | ASCII "HSTM"                                                        |
 * | version        | 1    | 2                                                                   |
 * | flags          | 1    | bit 0: MAC present, bit 1: leaving; other bits 0                    |
 * | sender         | name | the sending node                                                    |
 * | incarnation    | 8    | float64, finite, >= 0 (milliseconds)                                |
 * | seq            | 4    | uint32                                                              |
 * | sentAt         | 8    | float64, finite, >= 0 (sender's monotonic clock, milliseconds)      |
 * | echo count     | 1    | uint8, then per echo:                                               |
 * |   node         | name | a peer heard; distinct from the sender and from every other echo    |
 * |   seq          | 4    | uint32                                                              |
 * |   sentAt       | 8    | float64, finite, >= 0                                               |
 * | resource count | 1    | uint8, then per resource:                                           |
 * |   name         | name |                                                                     |
 * |   state        | 1    | uint8 index into RESOURCE_STATES                                    |
 * |   role         | 1    | uint8 index into ROLES                                              |
 * |   priority     | 4    | int32                                                               |
 * |   flags        | 1    | bit 0 eligible, 1 yielding, 2 forced, 3 dirty, 4 offline; others 0 |
 * |   vote         | 1+   | 0: none (''); 1..254: entry k-1 of the name table; 255: a name follows |
 * |   voteEcho     | 8    | float64, finite, >= 0                                               |
 * | MAC            | 32   | HMAC-SHA256 of every byte before it; present iff flags bit 0        |
 * | checksum       | 4    | uint32, CRC-32 of every byte before it                              |
 *
 * name: uint8 byte length 1..255, then that many bytes of well-formed UTF-8.
 * name table: [sender, echo nodes in order]. A vote almost always names a node in it (the voter
 * itself or a peer it hears, hence echoes), so it costs one byte instead of up to 33: that is what
 * lets 16 nodes and 8 resources fit in 1,400 bytes. Echoes come before resources so that the
 * table is complete when the votes are read.
 *
 * The checksum is in every datagram, keyed or not: without a key it is all that tells a datagram
 * corrupted in transit (a flipped bit in an incarnation or a sequence number could otherwise hide
 * a node from its peers) from a real one. It guards against accidents only; the MAC against
 * forgery. Version 1 had no checksum.
 *
 * Every heartbeat has exactly one encoding: the decoder refuses what the encoder never writes
 * (unknown flag bits, a spelled-out vote for a name in the table, duplicate table names, invalid
 * UTF-8, trailing bytes), so any accepted datagram re-encodes to the same bytes.
 */

export const MAGIC = Buffer.from('HSTM', 'ascii');
export const VERSION = 2;
/** The whole datagram, MAC included (DESIGN §3): below common path MTUs (1,500 bytes), so it is never fragmented. */
export const MAX_DATAGRAM_BYTES = 1400;
export const HEADER_BYTES = MAGIC.length + 2;
export const CHECKSUM_BYTES = 4;
export const MAX_NAME_BYTES = 255;

export const FLAG_MAC = 0x01;
export const FLAG_LEAVING = 0x02;
export const KNOWN_FLAGS = FLAG_MAC | FLAG_LEAVING;

export const RESOURCE_ELIGIBLE = 0x01;
export const RESOURCE_YIELDING = 0x02;
export const RESOURCE_FORCED = 0x04;
export const RESOURCE_DIRTY = 0x08;
export const RESOURCE_OFFLINE = 0x10;
export const KNOWN_RESOURCE_FLAGS =
  RESOURCE_ELIGIBLE | RESOURCE_YIELDING | RESOURCE_FORCED | RESOURCE_DIRTY | RESOURCE_OFFLINE;

export const VOTE_NONE = 0;
export const VOTE_LITERAL = 255;

/**
 * The vote byte for `vote`: VOTE_NONE, a table reference, or VOTE_LITERAL when the name must be
 * spelled out. Shared by encoder and decoder so both agree on the one canonical form.
 */
export function voteCode(table: readonly string[], vote: string): number {
  if (vote === '') return VOTE_NONE;
  const index = table.indexOf(vote);
  return index >= 0 && index + 1 < VOTE_LITERAL ? index + 1 : VOTE_LITERAL;
}
