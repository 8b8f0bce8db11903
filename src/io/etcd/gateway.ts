// The JSON of etcd v3's gateway, read without trusting its shape: keys and values are base64,
// int64 are strings (or absent when zero, as proto3 leaves them out). Every reader returns a
// value or throws a MalformedAnswer; nothing here touches the network.

/** An answer that does not have the shape etcd's gateway gives. */
export class MalformedAnswer extends Error {}

export function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MalformedAnswer(`${what}: expected an object`);
  return v as Record<string, unknown>;
}

/** An int64 as the gateway writes it: a string of digits, absent for 0. Kept as text (lease IDs pass 2^53). */
function int64Text(v: unknown, what: string): string {
  if (v === undefined) return '0';
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new MalformedAnswer(`${what}: expected an integer`);
}

/** A revision or a TTL: an int64 small enough to count with. */
function int64(v: unknown, what: string): number {
  const n = Number(int64Text(v, what));
  if (!Number.isSafeInteger(n)) throw new MalformedAnswer(`${what}: integer out of range`);
  return n;
}

function base64Text(v: unknown, what: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new MalformedAnswer(`${what}: expected base64`);
  return Buffer.from(v, 'base64').toString('utf8');
}

function revisionOf(answer: Record<string, unknown>, what: string): number {
  return int64(record(answer['header'], `${what}.header`)['revision'], `${what}.header.revision`);
}

/** An error answer: `{"error": "...", "message": "...", "code": N}` (gRPC's code), or null if it is none. */
export function readError(json: unknown): { code: number | null; message: string } | null {
  if (typeof json !== 'object' || json === null) return null;
  let answer = json as Record<string, unknown>;
  // A streaming answer wraps it: {"error": {"grpc_code": 16, "message": "..."}}.
  const inner = answer['error'];
  if (typeof inner === 'object' && inner !== null) {
    const wrapped = inner as Record<string, unknown>;
    answer = { message: wrapped['message'], code: wrapped['grpc_code'] ?? wrapped['code'] };
  }
  const message = typeof answer['message'] === 'string' ? answer['message'] : typeof answer['error'] === 'string' ? answer['error'] : null;
  if (message === null) return null;
  const code = typeof answer['code'] === 'number' ? answer['code'] : null;
  return { code, message: message.slice(0, 200) };
}

export interface KeyValue {
  value: string;
  /** The lease the key is bound to, '0' for none. */
  lease: string;
  modRevision: number;
}

function readKv(v: unknown, what: string): KeyValue {
  const kv = record(v, what);
  return {
    value: base64Text(kv['value'], `${what}.value`),
    lease: int64Text(kv['lease'], `${what}.lease`),
    modRevision: int64(kv['mod_revision'], `${what}.mod_revision`),
  };
}

function firstKv(v: unknown, what: string): KeyValue | null {
  if (v === undefined) return null;
  if (!Array.isArray(v)) throw new MalformedAnswer(`${what}: expected a list`);
  return v.length === 0 ? null : readKv(v[0], `${what}[0]`);
}

/** `/v3/kv/range` of one key: the store's revision and the key, or null when absent. */
export function readRange(json: unknown): { revision: number; kv: KeyValue | null } {
  const answer = record(json, 'range');
  return { revision: revisionOf(answer, 'range'), kv: firstKv(answer['kvs'], 'range.kvs') };
}

/** `/v3/kv/txn` of a create-if-absent: whether it created, else the key as the failure's range read it. */
export function readCreateTxn(json: unknown): { created: boolean; revision: number; kv: KeyValue | null } {
  const answer = record(json, 'txn');
  const revision = revisionOf(answer, 'txn');
  const succeeded = answer['succeeded'];
  if (succeeded !== undefined && typeof succeeded !== 'boolean') throw new MalformedAnswer('txn.succeeded: expected true or false');
  if (succeeded === true) return { created: true, revision, kv: null };
  const responses = answer['responses'];
  if (!Array.isArray(responses) || responses.length !== 1) throw new MalformedAnswer('txn.responses: expected one response');
  const range = record(record(responses[0], 'txn.responses[0]')['response_range'], 'txn.responses[0].response_range');
  return { created: false, revision, kv: firstKv(range['kvs'], 'txn.responses[0].response_range.kvs') };
}

/** `/v3/lease/grant`: the lease's ID and the TTL etcd granted (it may raise a short one). */
export function readGrant(json: unknown): { id: string; ttlSec: number } {
  const answer = record(json, 'grant');
  const id = int64Text(answer['ID'], 'grant.ID');
  if (id === '0') throw new MalformedAnswer('grant.ID: expected a lease ID');
  return { id, ttlSec: int64(answer['TTL'], 'grant.TTL') };
}

/** `/v3/lease/keepalive`: the TTL the lease has again; 0 or less: the lease is gone. */
export function readKeepAlive(json: unknown): { ttlSec: number } {
  const result = record(record(json, 'keepalive')['result'], 'keepalive.result');
  return { ttlSec: int64(result['TTL'], 'keepalive.result.TTL') };
}

/** `/v3/auth/authenticate`: the token. */
export function readToken(json: unknown): string {
  const token = record(json, 'authenticate')['token'];
  if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) throw new MalformedAnswer('authenticate.token: expected a token');
  return token;
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
}

export interface WatchMessage {
  created: boolean;
  canceled: boolean;
  /** Non-zero: the revision asked for was compacted away; the watch is canceled. */
  compactRevision: number;
  /** Why etcd canceled the watch ('' when it gave no reason): a refused token or permission. */
  cancelReason: string;
  /** The store's revision when the message was sent (0 when the header leaves it out). */
  revision: number;
  events: WatchEvent[];
}

/** One line of `/v3/watch`'s stream: `{"result": {...}}`, or an error object. */
export function readWatchMessage(json: unknown): WatchMessage {
  const result = record(record(json, 'watch')['result'], 'watch.result');
  const header = record(result['header'] ?? {}, 'watch.result.header');
  const flag = (name: string): boolean => {
    const v = result[name];
    if (v !== undefined && typeof v !== 'boolean') throw new MalformedAnswer(`watch.result.${name}: expected true or false`);
    return v === true;
  };
  const list = result['events'] ?? [];
  if (!Array.isArray(list)) throw new MalformedAnswer('watch.result.events: expected a list');
  const events = list.map((v: unknown, i): WatchEvent => {
    const event = record(v, `watch.result.events[${i}]`);
    const type = event['type'] ?? 'PUT'; // PUT is proto3's zero value, left out
    if (type !== 'PUT' && type !== 'DELETE') throw new MalformedAnswer(`watch.result.events[${i}].type: expected PUT or DELETE`);
    return { type, kv: readKv(event['kv'], `watch.result.events[${i}].kv`) };
  });
  return {
    created: flag('created'),
    canceled: flag('canceled'),
    compactRevision: int64(result['compact_revision'], 'watch.result.compact_revision'),
    cancelReason: cancelReason(result['cancel_reason']),
    revision: int64(header['revision'], 'watch.result.header.revision'),
    events,
  };
}

/**
 * etcd 3.4 refuses a watch on its stream, not with an HTTP status: `created` and `canceled` with
 * a gRPC error as text, `rpc error: code = Unauthenticated desc = etcdserver: invalid auth token`.
 * Kept as `Unauthenticated: etcdserver: invalid auth token`, one line and bounded.
 */
function cancelReason(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new MalformedAnswer('watch.result.cancel_reason: expected text');
  const grpc = /^rpc error: code = (\w+) desc = (.*)$/s.exec(v);
  const text = grpc === null ? v : `${grpc[1] as string}: ${grpc[2] as string}`;
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Who owns a holder key: its value, `{"node": NAME, "incarnation": N}`, or null when it is not that. */
export function readHolder(value: string): { node: string; incarnation: number } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value) as unknown;
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { node, incarnation } = parsed as Record<string, unknown>;
  if (typeof node !== 'string' || node === '' || node.length > 255) return null;
  if (typeof incarnation !== 'number' || !Number.isSafeInteger(incarnation) || incarnation < 0) return null;
  return { node, incarnation };
}

export function holderValue(node: string, incarnation: number): string {
  return JSON.stringify({ node, incarnation });
}
