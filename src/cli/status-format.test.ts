import { describe, expect, it } from 'vitest';
import type { ResourceState, Role } from '../core/types.js';
import type { PeerStatus, RemoteStatus, ResourceStatus, ShownRole, StatusDocument } from '../io/control-protocol.js';
import { formatSeconds, formatStatus, stateWord } from './status-format.js';

// The seed README's cluster: lolek primary, bolek secondary, reksio watchdog, two resources,
// `heartbeat_interval 10`, every node connected.
const PEERS: PeerStatus[] = [
  { node: 'bolek', state: 'STANDBY', role: 'secondary', configuredRole: 'secondary', priority: 1, heardAgoMs: 2_000, vote: 'lolek', offline: false },
  { node: 'lolek', state: 'RUNNING', role: 'primary', configuredRole: 'primary', priority: 0, heardAgoMs: 0, vote: 'lolek', offline: false },
  { node: 'reksio', state: 'WATCHING', role: 'watchdog', configuredRole: 'watchdog', priority: 100, heardAgoMs: 4_000, vote: 'lolek', offline: false },
];

function remote(node: string, role: ShownRole, state: string): RemoteStatus {
  return { address: `tcp4://${node}`, node, connected: true, role, state };
}

function resource(name: string, role: Role, shownRole: ShownRole, state: ResourceState, remotes: RemoteStatus[], reason: string): ResourceStatus {
  return {
    name,
    role: shownRole,
    configuredRole: role,
    state,
    forced: false,
    offlineSec: 0,
    exec: `/etc/${name}.sh`,
    remotes,
    attempts: 0,
    maxAttempts: 5,
    complaints: 0,
    complaintIntervalSec: 60,
    complaintThreshold: 3,
    heartbeatSec: 10,
    holder: 'lolek',
    quorum: 2,
    voters: 3,
    reason,
    peers: PEERS,
  };
}

function node(name: string, make: (resourceName: string) => ResourceStatus): StatusDocument {
  return {
    node: name,
    pid: 4242,
    incarnation: 1_790_000_000_000,
    time: '2026-11-22T12:00:00.000Z',
    gateway: null,
    etcd: null,
    resources: ['daemon', 'storage'].map(make),
    drops: [],
  };
}

const lolek = node('lolek', (r) => resource(r, 'primary', 'primary', 'RUNNING', [remote('bolek', 'secondary', 'STANDBY')], 'holding with 3 of 3 endorsements'));
const bolek = node('bolek', (r) => resource(r, 'secondary', 'secondary', 'STANDBY', [remote('lolek', 'primary', 'RUNNING')], 'lolek holds it'));
const reksio = node('reksio', (r) =>
  resource(r, 'watchdog', 'watchdog', 'WATCHING', [remote('lolek', 'primary', 'RUNNING'), remote('bolek', 'secondary', 'STANDBY')], 'endorsing lolek'),
);

/** The README's blocks, copied line for line, and hastmon's two lines after each block. */
const README: Record<string, { lines: string[]; extra: string[] }> = {
  lolek: {
    lines: [
      'daemon:',
      '  role: primary',
      '  exec: /etc/daemon.sh',
      '  remoteaddr: tcp4://bolek(connected)',
      '  state: run',
      '  attempts: 0 from 5',
      '  complaints: 0 for last 60 sec (threshold 3)',
      '  heartbeat: 10 sec',
      'storage:',
      '  role: primary',
      '  exec: /etc/storage.sh',
      '  remoteaddr: tcp4://bolek(connected)',
      '  state: run',
      '  attempts: 0 from 5',
      '  complaints: 0 for last 60 sec (threshold 3)',
      '  heartbeat: 10 sec',
    ],
    extra: ['  holder: lolek (quorum 2 of 3)', '  reason: holding with 3 of 3 endorsements'],
  },
  bolek: {
    lines: [
      'daemon:',
      '  role: secondary',
      '  exec: /etc/daemon.sh',
      '  remoteaddr: tcp4://lolek(connected)',
      '  state: stopped',
      '  attempts: 0 from 5',
      '  complaints: 0 for last 60 sec (threshold 3)',
      '  heartbeat: 10 sec',
      'storage:',
      '  role: secondary',
      '  exec: /etc/storage.sh',
      '  remoteaddr: tcp4://lolek(connected)',
      '  state: stopped',
      '  attempts: 0 from 5',
      '  complaints: 0 for last 60 sec (threshold 3)',
      '  heartbeat: 10 sec',
    ],
    extra: ['  holder: lolek (quorum 2 of 3)', '  reason: lolek holds it'],
  },
  reksio: {
    lines: [
      'daemon:',
      '  role: watchdog',
      '  exec: /etc/daemon.sh',
      '  remoteaddr: tcp4://lolek(primary/run) tcp4://bolek(secondary/stopped)',
      '  state: run',
      '  attempts: 0 from 5',
      '  complaints: 0 for last 60 sec (threshold 3)',
      '  heartbeat: 10 sec',
      'storage:',
      '  role: watchdog',
      '  exec: /etc/storage.sh',
      '  remoteaddr: tcp4://lolek(primary/run) tcp4://bolek(secondary/stopped)',
      '  state: run',
      '  attempts: 0 from 5',
      '  complaints: 0 for last 60 sec (threshold 3)',
      '  heartbeat: 10 sec',
    ],
    extra: ['  holder: lolek (quorum 2 of 3)', '  reason: endorsing lolek'],
  },
};

/** Each 8-line README block followed by hastmon's lines. */
function expected(name: string): string {
  const { lines, extra } = README[name] as { lines: string[]; extra: string[] };
  const blocks = [lines.slice(0, 8), lines.slice(8)].map((block) => [...block, ...extra]);
  return blocks.flat().map((line) => `${line}\n`).join('');
}

describe("formatStatus: the seed README's cluster", () => {
  it.each([
    ['lolek', lolek],
    ['bolek', bolek],
    ['reksio', reksio],
  ])('%s prints the README block line for line, then the holder and the reason', (name, doc) => {
    expect(formatStatus(doc)).toBe(expected(name));
  });

  it("keeps the README's lines that the storage script greps for", () => {
    expect(formatStatus(lolek)).toMatch(/^ *role: *primary *$/m);
    expect(formatStatus(bolek)).toMatch(/^ *role: *secondary *$/m);
  });
});

describe('formatStatus: beyond the README', () => {
  const base = lolek.resources[0] as ResourceStatus;

  it('shows a lost link, a lone node, a fractional heartbeat and nobody holding', () => {
    const doc: StatusDocument = {
      ...lolek,
      resources: [
        {
          ...base,
          role: 'secondary',
          configuredRole: 'secondary',
          state: 'ERRORED',
          remotes: [{ address: 'tcp4://bolek', node: null, connected: false, role: null, state: null }],
          attempts: 5,
          heartbeatSec: 0.2,
          complaintIntervalSec: 1.5,
          holder: '',
          reason: '',
        },
        { ...base, name: 'alone', remotes: [] },
      ],
    };
    const text = formatStatus(doc).split('\n');
    expect(text.slice(0, 10)).toEqual([
      'daemon:',
      '  role: secondary',
      '  exec: /etc/daemon.sh',
      '  remoteaddr: tcp4://bolek(disconnected)',
      '  state: errored',
      '  attempts: 5 from 5',
      '  complaints: 0 for last 1.5 sec (threshold 3)',
      '  heartbeat: 0.2 sec',
      '  holder: none (quorum 2 of 3)',
      '  reason: none',
    ]);
    expect(text[10]).toBe('alone:');
    expect(text[13]).toBe('  remoteaddr: none');
  });

  it('adds, after HASTMON\'s lines, the configured role where it differs, a forced start, an offline period and the gateway', () => {
    const doc: StatusDocument = {
      ...lolek,
      gateway: { address: '192.0.2.1', reachable: false },
      resources: [{ ...base, role: 'primary', configuredRole: 'secondary', forced: true, offlineSec: 0 }, { ...base, name: 'storage', role: 'secondary', configuredRole: 'secondary', offlineSec: 120 }],
    };
    const text = formatStatus(doc).split('\n');
    expect(text.slice(1, 2)).toEqual(['  role: primary']);
    expect(text.slice(10, 12)).toEqual(['  configured role: secondary', '  forced: started here without asking anyone (USR1 or -m)']);
    expect(text).toContain('  offline: 120 sec left');
    expect(text.filter((line) => line.startsWith('  configured role:'))).toHaveLength(1);
    expect(text).toContain('gateway: 192.0.2.1 unreachable');
    expect(formatStatus({ ...doc, gateway: { address: '192.0.2.1', reachable: null } })).toContain('gateway: 192.0.2.1 not checked yet\n');
    expect(formatStatus({ ...doc, gateway: null })).not.toContain('gateway:');
  });

  it("shows etcd's key in each block and the connection after them", () => {
    const doc: StatusDocument = {
      ...bolek,
      etcd: {
        endpoint: 'http://127.0.0.1:2379',
        connected: false,
        lastError: 'http://127.0.0.1:2379/v3/kv/range: no answer within 1000 ms',
        resources: [
          { name: 'daemon', claim: 'theirs', owner: 'lolek', countsForMs: 0 },
          { name: 'storage', claim: 'unreachable', owner: '', countsForMs: 0 },
        ],
      },
    };
    const text = formatStatus(doc).split('\n');
    const blockOf = (name: string): string[] => {
      const rest = text.slice(text.indexOf(`${name}:`) + 1);
      const end = rest.findIndex((line) => !line.startsWith('  '));
      return end < 0 ? rest : rest.slice(0, end);
    };
    expect(blockOf('daemon')).toContain('  etcd: held by lolek');
    expect(blockOf('storage')).toContain('  etcd: unreachable (http://127.0.0.1:2379/v3/kv/range: no answer within 1000 ms)');
    expect(text).toContain('etcd: http://127.0.0.1:2379 unreachable (http://127.0.0.1:2379/v3/kv/range: no answer within 1000 ms)');
    const ours = formatStatus({ ...doc, etcd: { ...doc.etcd!, connected: true, lastError: '', resources: [{ name: 'daemon', claim: 'ours', owner: 'bolek', countsForMs: 1_449 }] } });
    expect(ours).toContain('  etcd: ours, counts 1.4 s more\n');
    expect(ours).toContain('etcd: http://127.0.0.1:2379 connected\n');
    expect(formatStatus(bolek)).not.toContain('etcd');
  });

  it('shows a watchdog its disconnected and timed-out peers', () => {
    const watching = reksio.resources[0] as ResourceStatus;
    const doc: StatusDocument = {
      ...reksio,
      resources: [
        {
          ...watching,
          remotes: [
            { address: 'tcp4://lolek', node: 'lolek', connected: true, role: 'primary', state: 'TIMEDOUT' },
            { address: 'tcp4://bolek', node: null, connected: false, role: null, state: null },
          ],
        },
      ],
    };
    expect(formatStatus(doc)).toContain('  remoteaddr: tcp4://lolek(primary/timedout) tcp4://bolek(disconnected)\n');
  });

  it('keeps a multi-line reason on its one line', () => {
    const doc: StatusDocument = { ...lolek, resources: [{ ...base, reason: 'waiting:\n  no quorum\r\n' }] };
    expect(formatStatus(doc)).toContain('  reason: waiting: no quorum\n');
    expect(formatStatus(doc).split('\n')).toHaveLength(11);
  });

  it('adds a node-wide line for dropped heartbeats, after every block', () => {
    const doc: StatusDocument = {
      ...lolek,
      drops: [
        { reason: 'unauthenticated', count: 3 },
        { reason: 'malformed', count: 0 },
        { reason: 'replayed', count: 1 },
      ],
    };
    const lines = formatStatus(doc).trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('dropped heartbeats: 3 unauthenticated, 1 replayed');
  });

  it('prints nothing for a node without resources', () => {
    expect(formatStatus({ ...lolek, resources: [] })).toBe('');
  });
});

describe('stateWord and formatSeconds', () => {
  it.each([
    ['RUNNING', 'run'],
    ['STANDBY', 'stopped'],
    ['STARTING', 'starting'],
    ['STOPPING', 'stopping'],
    ['INITIAL', 'init'],
    ['ERRORED', 'errored'],
    ['WATCHING', 'run'],
    ['TIMEDOUT', 'timedout'],
    ['UNKNOWN', 'unknown'],
  ])('%s is %s', (state, word) => {
    expect(stateWord(state)).toBe(word);
  });

  it.each([
    [10, '10'],
    [0.2, '0.2'],
    [60, '60'],
    [0.1 + 0.2, '0.3'],
    [1.25, '1.25'],
  ])('%s seconds print as %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});
