import { describe, expect, it } from 'vitest';
import {
  MAX_OFFLINE_SECONDS,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  encodeLine,
  parseRequest,
  parseResponse,
  type ControlRequest,
  type ControlResponse,
  type EventsDocument,
  type StatusDocument,
} from './control-protocol.js';

const events: EventsDocument = {
  node: 'bolek',
  events: [
    { seq: 1, time: '2026-11-30T04:01:02.345Z', resource: 'daemon', subject: 'holder', from: 'lolek', to: '', reason: 'lolek not heard for 1000 ms (TIMEDOUT)' },
    { seq: 2, time: '2026-11-30T04:01:02.350Z', resource: 'daemon', subject: 'state', from: 'STANDBY', to: 'STARTING', reason: 'elected: 2 of 3 voters endorse it (quorum 2)' },
  ],
};

const ETCD: NonNullable<StatusDocument['etcd']> = {
  endpoint: 'http://127.0.0.1:2379',
  connected: true,
  lastError: '',
  resources: [{ name: 'daemon', claim: 'ours', owner: 'lolek', countsForMs: 1_400 }],
};

const status: StatusDocument = {
  node: 'lolek',
  pid: 1234,
  incarnation: 1_790_000_000_000,
  time: '2026-11-22T12:00:00.000Z',
  gateway: null,
  etcd: null,
  resources: [
    {
      name: 'daemon',
      role: 'primary',
      configuredRole: 'primary',
      state: 'RUNNING',
      forced: false,
      offlineSec: 0,
      exec: '/etc/daemon.sh',
      remotes: [{ address: 'tcp4://bolek', node: 'bolek', connected: true, role: 'secondary', state: 'STANDBY' }],
      attempts: 0,
      maxAttempts: 5,
      complaints: 0,
      complaintIntervalSec: 60,
      complaintThreshold: 3,
      heartbeatSec: 0.2,
      holder: 'lolek',
      quorum: 2,
      voters: 3,
      reason: 'holding: 3 of 3 endorsements',
      peers: [{ node: 'bolek', state: 'STANDBY', role: 'secondary', configuredRole: 'secondary', priority: 1, heardAgoMs: 150, vote: 'lolek', offline: false }],
    },
  ],
  drops: [{ reason: 'unauthenticated', count: 2 }],
};

describe('parseRequest', () => {
  it.each<ControlRequest>([
    { command: 'status', resources: 'all' },
    { command: 'status', resources: ['daemon', 'storage'] },
    { command: 'role', role: 'watchdog', resources: 'all' },
    { command: 'offline', resources: ['daemon'] },
    { command: 'offline', seconds: 45, resources: 'all' },
    { command: 'clear', resources: 'all' },
    { command: 'reload' },
    { command: 'reopen-log' },
    { command: 'events' },
    { command: 'events', limit: 5 },
  ])('accepts %j as encoded', (request) => {
    const line = encodeLine(request);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(parseRequest(line.trimEnd())).toEqual(request);
  });

  it.each([
    ['', 'request is not JSON'],
    ['{"command":"status"', 'request is not JSON'],
    ['null', 'request: expected an object'],
    ['[1,2]', 'request: expected an object'],
    ['"status"', 'request: expected an object'],
    ['{}', 'request.command: expected one of status, role, offline, clear, reload, reopen-log, events'],
    ['{"command":"shutdown"}', 'request.command: expected one of status, role, offline, clear, reload, reopen-log, events'],
    ['{"command":"toString"}', 'request.command: expected one of status, role, offline, clear, reload, reopen-log, events'],
    ['{"command":"status"}', "request.resources: expected 'all' or a list of resource names"],
    ['{"command":"status","resources":"daemon"}', "request.resources: expected 'all' or a list of resource names"],
    ['{"command":"status","resources":[]}', 'request.resources: expected a non-empty list'],
    ['{"command":"status","resources":["daemon",7]}', 'request.resources[1]: expected a non-empty string'],
    ['{"command":"status","resources":[""]}', 'request.resources[0]: expected a non-empty string'],
    ['{"command":"role","role":"master","resources":"all"}', 'request.role: expected one of init, secondary, primary, watchdog'],
    ['{"command":"role","resources":"all"}', 'request.role: expected one of init, secondary, primary, watchdog'],
    ['{"command":"offline","seconds":"30","resources":"all"}', `request.seconds: expected a whole number of seconds from 1 to ${MAX_OFFLINE_SECONDS}`],
    ['{"command":"offline","seconds":0,"resources":"all"}', `request.seconds: expected a whole number of seconds from 1 to ${MAX_OFFLINE_SECONDS}`],
    ['{"command":"offline","seconds":1.5,"resources":"all"}', `request.seconds: expected a whole number of seconds from 1 to ${MAX_OFFLINE_SECONDS}`],
    ['{"command":"offline","seconds":1e300,"resources":"all"}', `request.seconds: expected a whole number of seconds from 1 to ${MAX_OFFLINE_SECONDS}`],
    ['{"command":"offline","seconds":null,"resources":"all"}', `request.seconds: expected a whole number of seconds from 1 to ${MAX_OFFLINE_SECONDS}`],
    ['{"command":"reload","resources":"all"}', "request: unknown field 'resources'"],
    ['{"command":"clear","resources":"all","force":true}', "request: unknown field 'force'"],
    ['{"command":"events","limit":0}', 'request.limit: expected a whole number of 1 or more'],
    ['{"command":"events","limit":2.5}', 'request.limit: expected a whole number of 1 or more'],
    ['{"command":"events","limit":"20"}', 'request.limit: expected a whole number of 1 or more'],
    ['{"command":"events","resources":"all"}', "request: unknown field 'resources'"],
  ])('refuses %s', (text, error) => {
    expect(parseRequest(text)).toEqual({ error });
  });

  it('refuses a request over the size cap before parsing it', () => {
    const names = Array.from({ length: MAX_REQUEST_BYTES / 4 }, (_, i) => `r${i}`);
    const text = JSON.stringify({ command: 'status', resources: names });
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_REQUEST_BYTES);
    expect(parseRequest(text)).toEqual({ error: `request larger than ${MAX_REQUEST_BYTES} bytes` });
  });

  it('counts the cap in bytes, not characters', () => {
    const name = 'ż'.repeat(MAX_REQUEST_BYTES / 2 + 10);
    const text = JSON.stringify({ command: 'status', resources: [name] });
    expect(text.length).toBeLessThan(MAX_REQUEST_BYTES);
    expect(parseRequest(text)).toEqual({ error: `request larger than ${MAX_REQUEST_BYTES} bytes` });
  });

  it('survives deeply nested garbage', () => {
    const text = `{"command":"status","resources":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    expect(parseRequest(text)).toHaveProperty('error');
  });
});

describe('parseResponse', () => {
  it.each<ControlResponse>([
    { ok: true },
    { ok: true, message: 'daemon: role primary' },
    { ok: true, status },
    { ok: true, status: { ...status, etcd: ETCD } },
    { ok: true, events },
    { ok: true, events: { node: 'bolek', events: [] } },
    { ok: false, exitCode: 65, message: "no resource 'nfs'" },
    { ok: false, exitCode: 78, message: '/etc/hastmon.conf:3: bad number' },
  ])('accepts %j as encoded', (response) => {
    expect(parseResponse(encodeLine(response).trimEnd())).toEqual(response);
  });

  it('lets a newer daemon add fields', () => {
    const text = JSON.stringify({ ok: true, status: { ...status, uptime: 5 }, extra: 1 });
    expect(parseResponse(text)).toMatchObject({ ok: true, status });
  });

  it.each([
    ['garbage', 'answer is not JSON'],
    ['[]', 'answer: expected an object'],
    ['{}', 'answer.ok: expected true or false'],
    ['{"ok":"yes"}', 'answer.ok: expected true or false'],
    ['{"ok":false,"message":"x"}', 'answer.exitCode: expected an exit status from 1 to 255'],
    ['{"ok":false,"exitCode":0,"message":"x"}', 'answer.exitCode: expected an exit status from 1 to 255'],
    ['{"ok":false,"exitCode":300,"message":"x"}', 'answer.exitCode: expected an exit status from 1 to 255'],
    ['{"ok":false,"exitCode":65}', 'answer.message: expected a string'],
    ['{"ok":true,"message":5}', 'answer.message: expected a string'],
  ])('refuses %s', (text, error) => {
    expect(parseResponse(text)).toEqual({ error });
  });

  it.each([
    [(d: StatusDocument) => ({ ...d, node: 5 }), 'answer.status.node: expected a string'],
    [(d: StatusDocument) => ({ ...d, drops: [{ reason: 'x', count: -1 }] }), 'answer.status.drops[0].count: expected a whole number of 0 or more'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], state: 'HAPPY' }] }), 'answer.status.resources[0].state: expected one of INITIAL, STANDBY, STARTING, RUNNING, STOPPING, ERRORED, WATCHING'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], role: 'boss' }] }), 'answer.status.resources[0].role: expected one of primary, secondary, watchdog, init'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], configuredRole: 'boss' }] }), 'answer.status.resources[0].configuredRole: expected one of init, secondary, primary, watchdog'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], forced: 'no' }] }), 'answer.status.resources[0].forced: expected true or false'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], offlineSec: -1 }] }), 'answer.status.resources[0].offlineSec: expected a whole number of 0 or more'],
    [(d: StatusDocument) => ({ ...d, gateway: { address: '192.0.2.1', reachable: 'yes' } }), 'answer.status.gateway.reachable: expected true or false'],
    [(d: StatusDocument) => ({ ...d, gateway: undefined }), 'answer.status.gateway: expected an object'],
    [(d: StatusDocument) => ({ ...d, etcd: undefined }), 'answer.status.etcd: expected an object'],
    [(d: StatusDocument) => ({ ...d, etcd: { ...ETCD, connected: 'yes' } }), 'answer.status.etcd.connected: expected true or false'],
    [(d: StatusDocument) => ({ ...d, etcd: { ...ETCD, resources: [{ ...ETCD.resources[0], claim: 'mine' }] } }), 'answer.status.etcd.resources[0].claim: expected one of ours, theirs, free, unreachable, unknown'],
    [(d: StatusDocument) => ({ ...d, etcd: { ...ETCD, resources: [{ ...ETCD.resources[0], countsForMs: -5 }] } }), 'answer.status.etcd.resources[0].countsForMs: expected a whole number of 0 or more'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], heartbeatSec: '10' }] }), 'answer.status.resources[0].heartbeatSec: expected a number'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], remotes: [{ address: 'x', node: null, connected: 'yes', role: null, state: null }] }] }), 'answer.status.resources[0].remotes[0].connected: expected true or false'],
    [(d: StatusDocument) => ({ ...d, resources: [{ ...d.resources[0], peers: [{ node: 'a', state: 'TIMEDOUT', role: 'unknown', configuredRole: 'unknown', priority: 0, heardAgoMs: 'never', vote: '', offline: false }] }] }), 'answer.status.resources[0].peers[0].heardAgoMs: expected a number'],
  ])('refuses a malformed status document (%#)', (mangle, error) => {
    expect(parseResponse(JSON.stringify({ ok: true, status: mangle(status) }))).toEqual({ error });
  });

  it.each([
    [(d: EventsDocument) => ({ ...d, node: null }), 'answer.events.node: expected a string'],
    [(d: EventsDocument) => ({ ...d, events: {} }), 'answer.events.events: expected a list'],
    [(d: EventsDocument) => ({ ...d, events: [{ ...d.events[0], seq: -1 }] }), 'answer.events.events[0].seq: expected a whole number of 0 or more'],
    [(d: EventsDocument) => ({ ...d, events: [{ ...d.events[0], subject: 'role' }] }), 'answer.events.events[0].subject: expected one of state, holder'],
    [(d: EventsDocument) => ({ ...d, events: [{ ...d.events[0], reason: undefined }] }), 'answer.events.events[0].reason: expected a string'],
    [(d: EventsDocument) => ({ ...d, events: [{ ...d.events[0], to: 7 }] }), 'answer.events.events[0].to: expected a string'],
  ])('refuses a malformed events document (%#)', (mangle, error) => {
    expect(parseResponse(JSON.stringify({ ok: true, events: mangle(events) }))).toEqual({ error });
  });

  it('refuses an answer over its size cap', () => {
    const text = JSON.stringify({ ok: true, message: 'x'.repeat(MAX_RESPONSE_BYTES) });
    expect(parseResponse(text)).toEqual({ error: `answer larger than ${MAX_RESPONSE_BYTES} bytes` });
  });
});
