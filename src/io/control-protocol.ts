// The control socket's protocol (DESIGN §6): one request per connection, one line of JSON each
// way, each line capped in size. Both ends check everything they read against the shapes below:
// a garbled or hostile line becomes an error value, never an exception.
import { EVENT_SUBJECTS, RESOURCE_STATES, ROLES, type EventSubject, type ResourceState, type Role } from '../core/types.js';

/** A request names a command and a few resources: anything larger is not a request. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * A status document grows with nodes × resources × remotes; 16 nodes and 8 resources take a few
 * tens of KiB, so answers get more room than requests while staying bounded.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** sysexits(3) EX_PROTOCOL: the other end spoke something that is not this protocol. */
export const EX_PROTOCOL = 76;

/** `offline` longer than a year is a typo; `clear` ends any offline period anyway. */
export const MAX_OFFLINE_SECONDS = 365 * 24 * 60 * 60;

export type ResourceSelection = string[] | 'all';

export type ControlRequest =
  | { command: 'status'; resources: ResourceSelection }
  | { command: 'role'; role: Role; resources: ResourceSelection }
  /** Without `seconds` the daemon applies its own default (pha's 30 s). */
  | { command: 'offline'; seconds?: number; resources: ResourceSelection }
  | { command: 'clear'; resources: ResourceSelection }
  | { command: 'reload' }
  /** Open the log file (-L) again, after logrotate moved it. */
  | { command: 'reopen-log' }
  /** The newest `limit` events kept in memory (all of them without it). */
  | { command: 'events'; limit?: number };

export type ShownRole = 'primary' | 'secondary' | 'watchdog' | 'init';

export const SHOWN_ROLES: readonly ShownRole[] = ['primary', 'secondary', 'watchdog', 'init'];

/** One `remote` address of this node for a resource, and the node behind it as far as known. */
export interface RemoteStatus {
  /** As configured, e.g. `tcp4://bolek`. */
  address: string;
  /** The node heard from that address, or null when none is known. */
  node: string | null;
  connected: boolean;
  /** That node's shown role for the resource (see ResourceStatus.role), or null when unknown. */
  role: ShownRole | null;
  /** That node's state as PeerView has it (a ResourceState, 'TIMEDOUT' or 'UNKNOWN'), or null. */
  state: string | null;
}

/** Another node's part in a resource, as this node sees it. */
export interface PeerStatus {
  node: string;
  state: ResourceState | 'TIMEDOUT' | 'UNKNOWN';
  /** Its shown role (see ResourceStatus.role), 'unknown' before it was heard. */
  role: ShownRole | 'unknown';
  /** Its configured or commanded role, 'unknown' before it was heard. */
  configuredRole: Role | 'unknown';
  priority: number;
  /** Milliseconds since it was last heard, or null if never. */
  heardAgoMs: number | null;
  /** The node it endorses, '' for none. */
  vote: string;
  /** It was taken offline there (`hastmonctl offline`), as its heartbeats say. */
  offline: boolean;
}

/** The gateway check (`ping`): its address, and whether it answers (null before the first check). */
export interface GatewayStatus {
  address: string;
  reachable: boolean | null;
}

/** etcd as a voter (an `etcd` section): the connection, and what this node knows of each key. */
export interface EtcdStatus {
  /** The endpoint requests go to first. */
  endpoint: string;
  /** Whether the last request was answered; null before the first. */
  connected: boolean | null;
  /** The last request that failed and why, '' if none has. */
  lastError: string;
  resources: EtcdResourceStatus[];
}

export const ETCD_CLAIMS = ['ours', 'theirs', 'free', 'unreachable', 'unknown'] as const;

/** One resource's key `<prefix><resource>/holder` as this node knows it (the core's EtcdView). */
export interface EtcdResourceStatus {
  name: string;
  /** ours: this node owns it; theirs: another does; free: absent; unreachable: no endpoint answered; unknown: not heard yet. */
  claim: (typeof ETCD_CLAIMS)[number];
  /** The owner's node name, '' when none is known. */
  owner: string;
  /** How much longer etcd's endorsement counts here, 0 unless the key is ours. */
  countsForMs: number;
}

export interface ResourceStatus {
  name: string;
  /** HASTMON's shown role, as `hastmonctl status` prints it: 'primary' while this node holds the resource. */
  role: ShownRole;
  /** The role configured (`role_on_start`) or last set by `hastmonctl role`. */
  configuredRole: Role;
  state: ResourceState;
  /** Started by USR1 or -m, without asking anyone. */
  forced: boolean;
  /** Seconds left of an `offline` period, 0 when not offline. */
  offlineSec: number;
  /** The exec script path, or the script directory for FreeHA's scripts. */
  exec: string;
  remotes: RemoteStatus[];
  attempts: number;
  maxAttempts: number;
  complaints: number;
  complaintIntervalSec: number;
  complaintThreshold: number;
  /** May be fractional, e.g. 0.2. */
  heartbeatSec: number;
  /** '' while nobody holds the resource. */
  holder: string;
  quorum: number;
  voters: number;
  reason: string;
  /** Every other node's view of the resource, as this node sees it. */
  peers: PeerStatus[];
}

export interface StatusDocument {
  node: string;
  pid: number;
  incarnation: number;
  /** When the document was made, ISO 8601. */
  time: string;
  /** null when no `ping` is configured. */
  gateway: GatewayStatus | null;
  /** null without an `etcd` section. */
  etcd: EtcdStatus | null;
  resources: ResourceStatus[];
  /** Heartbeats dropped, by reason (unauthenticated, replayed, malformed…). */
  drops: Array<{ reason: string; count: number }>;
}

/** One change this node saw (the core's event effect), as kept by the daemon and shown to operators. */
export interface EventRecord {
  /** Increasing within one run of the daemon, from 1: a gap means older records were dropped. */
  seq: number;
  /** Wall clock, ISO 8601. */
  time: string;
  resource: string;
  /** 'state': this node's state of the resource (FreeHA's names); 'holder': the node holding it as seen here. */
  subject: EventSubject;
  /** The state or holder before ('' for no holder). */
  from: string;
  to: string;
  reason: string;
}

/** What `hastmonctl events --json` prints and the HTTP listener serves as `/events.json`: newest last. */
export interface EventsDocument {
  node: string;
  events: EventRecord[];
}

export type ControlResponse =
  | { ok: true; message?: string; status?: StatusDocument; events?: EventsDocument }
  | { ok: false; exitCode: number; message: string };

export type ParseError = { error: string };

// A tiny checker: each check returns null when the value fits, else what is wrong and where.
type Check = (value: unknown, at: string) => string | null;

const string: Check = (v, at) => (typeof v === 'string' ? null : `${at}: expected a string`);
const nonEmptyString: Check = (v, at) => (typeof v === 'string' && v !== '' ? null : `${at}: expected a non-empty string`);
const boolean: Check = (v, at) => (typeof v === 'boolean' ? null : `${at}: expected true or false`);
const number: Check = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? null : `${at}: expected a number`);
const count: Check = (v, at) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : `${at}: expected a whole number of 0 or more`);

function literal(expected: unknown): Check {
  return (v, at) => (v === expected ? null : `${at}: expected ${JSON.stringify(expected)}`);
}

function oneOf(values: readonly string[]): Check {
  return (v, at) => (typeof v === 'string' && values.includes(v) ? null : `${at}: expected one of ${values.join(', ')}`);
}

function nullable(check: Check): Check {
  return (v, at) => (v === null ? null : check(v, at));
}

/** The key may be absent (JSON has no undefined, so absent is the only way to be undefined). */
function optional(check: Check): Check {
  return (v, at) => (v === undefined ? null : check(v, at));
}

function arrayOf(check: Check, nonEmpty = false): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at}: expected a list`;
    if (nonEmpty && v.length === 0) return `${at}: expected a non-empty list`;
    for (const [i, item] of v.entries()) {
      const wrong = check(item, `${at}[${i}]`);
      if (wrong !== null) return wrong;
    }
    return null;
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `strict` refuses keys the shape does not name: requests are held to that, so that a typo is an
 * error, while answers may carry more (a newer daemon talking to an older hastmonctl).
 */
function object(shape: Record<string, Check>, strict: boolean): Check {
  return (v, at) => {
    if (!isRecord(v)) return `${at}: expected an object`;
    for (const [key, check] of Object.entries(shape)) {
      const wrong = check(Object.hasOwn(v, key) ? v[key] : undefined, `${at}.${key}`);
      if (wrong !== null) return wrong;
    }
    if (strict) {
      const unknown = Object.keys(v).find((key) => !Object.hasOwn(shape, key));
      if (unknown !== undefined) return `${at}: unknown field '${unknown}'`;
    }
    return null;
  };
}

const resourceNames = arrayOf(nonEmptyString, true);
const selection: Check = (v, at) =>
  v === 'all' ? null : Array.isArray(v) ? resourceNames(v, at) : `${at}: expected 'all' or a list of resource names`;

const offlineSeconds: Check = (v, at) =>
  Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= MAX_OFFLINE_SECONDS
    ? null
    : `${at}: expected a whole number of seconds from 1 to ${MAX_OFFLINE_SECONDS}`;

const eventsLimit: Check = (v, at) => (Number.isSafeInteger(v) && (v as number) >= 1 ? null : `${at}: expected a whole number of 1 or more`);

const REQUEST_SHAPES: Record<ControlRequest['command'], Record<string, Check>> = {
  status: { command: literal('status'), resources: selection },
  role: { command: literal('role'), role: oneOf(ROLES), resources: selection },
  offline: { command: literal('offline'), seconds: optional(offlineSeconds), resources: selection },
  clear: { command: literal('clear'), resources: selection },
  reload: { command: literal('reload') },
  'reopen-log': { command: literal('reopen-log') },
  events: { command: literal('events'), limit: optional(eventsLimit) },
};

const peerStatus = object(
  {
    node: string,
    state: oneOf([...RESOURCE_STATES, 'TIMEDOUT', 'UNKNOWN']),
    role: oneOf([...SHOWN_ROLES, 'unknown']),
    configuredRole: oneOf([...ROLES, 'unknown']),
    priority: number,
    heardAgoMs: nullable(number),
    vote: string,
    offline: boolean,
  },
  false,
);

const remoteStatus = object(
  { address: string, node: nullable(string), connected: boolean, role: nullable(oneOf(SHOWN_ROLES)), state: nullable(string) },
  false,
);

const resourceStatus = object(
  {
    name: string,
    role: oneOf(SHOWN_ROLES),
    configuredRole: oneOf(ROLES),
    state: oneOf(RESOURCE_STATES),
    forced: boolean,
    offlineSec: count,
    exec: string,
    remotes: arrayOf(remoteStatus),
    attempts: count,
    maxAttempts: count,
    complaints: count,
    complaintIntervalSec: number,
    complaintThreshold: count,
    heartbeatSec: number,
    holder: string,
    quorum: count,
    voters: count,
    reason: string,
    peers: arrayOf(peerStatus),
  },
  false,
);

const gatewayStatus = object({ address: string, reachable: nullable(boolean) }, false);

const etcdStatus = object(
  {
    endpoint: string,
    connected: nullable(boolean),
    lastError: string,
    resources: arrayOf(object({ name: string, claim: oneOf(ETCD_CLAIMS), owner: string, countsForMs: count }, false)),
  },
  false,
);

const statusDocument = object(
  {
    node: string,
    pid: count,
    incarnation: number,
    time: string,
    gateway: nullable(gatewayStatus),
    etcd: nullable(etcdStatus),
    resources: arrayOf(resourceStatus),
    drops: arrayOf(object({ reason: string, count }, false)),
  },
  false,
);

const eventRecord = object(
  {
    seq: count,
    time: string,
    resource: string,
    subject: oneOf(EVENT_SUBJECTS),
    from: string,
    to: string,
    reason: string,
  },
  false,
);

const eventsDocument = object({ node: string, events: arrayOf(eventRecord) }, false);

const exitCode: Check = (v, at) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 255 ? null : `${at}: expected an exit status from 1 to 255`);

const okResponse = object(
  { ok: literal(true), message: optional(string), status: optional(statusDocument), events: optional(eventsDocument) },
  false,
);
const errorResponse = object({ ok: literal(false), exitCode, message: string }, false);

function parseJsonLine(text: string, maxBytes: number, what: string): { value: unknown } | ParseError {
  if (Buffer.byteLength(text, 'utf8') > maxBytes) return { error: `${what} larger than ${maxBytes} bytes` };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: `${what} is not JSON` };
  }
}

export function parseRequest(text: string): ControlRequest | ParseError {
  const parsed = parseJsonLine(text, MAX_REQUEST_BYTES, 'request');
  if ('error' in parsed) return parsed;
  const value = parsed.value;
  if (!isRecord(value)) return { error: 'request: expected an object' };
  const command = value['command'];
  if (typeof command !== 'string' || !Object.hasOwn(REQUEST_SHAPES, command)) {
    return { error: `request.command: expected one of ${Object.keys(REQUEST_SHAPES).join(', ')}` };
  }
  const wrong = object(REQUEST_SHAPES[command as ControlRequest['command']], true)(value, 'request');
  return wrong === null ? (value as ControlRequest) : { error: wrong };
}

export function parseResponse(text: string): ControlResponse | ParseError {
  const parsed = parseJsonLine(text, MAX_RESPONSE_BYTES, 'answer');
  if ('error' in parsed) return parsed;
  const value = parsed.value;
  if (!isRecord(value)) return { error: 'answer: expected an object' };
  if (typeof value['ok'] !== 'boolean') return { error: 'answer.ok: expected true or false' };
  const wrong = (value['ok'] ? okResponse : errorResponse)(value, 'answer');
  return wrong === null ? (value as ControlResponse) : { error: wrong };
}

/** One line: JSON.stringify escapes every line break inside strings. */
export function encodeLine(message: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(message)}\n`;
}
