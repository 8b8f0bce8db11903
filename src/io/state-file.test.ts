import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeView, ResourceView } from '../core/types.js';
import { formatStateFile, writeFileAtomically } from './state-file.js';

const WRITTEN_AT = new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 250));

const VIEW: NodeView = {
  node: 'lolek',
  incarnation: 1714564790000,
  resources: [
    {
      name: 'shared',
      state: 'RUNNING',
      role: 'primary',
      priority: 0,
      attempts: 0,
      maxAttempts: 5,
      holder: 'lolek',
      vote: 'lolek',
      quorum: 2,
      voters: 3,
      endorsements: 0,
      quorate: false,
      timesHeld: 0,
      reason: 'running: 3 of 3 endorsements valid',
      complaints: 0,
      forced: false,
      offlineMs: 0,
      etcd: null,
      peers: [
        { node: 'bolek', state: 'STANDBY', role: 'secondary', priority: 1, heardAgo: 200, vote: 'lolek', offline: false },
        { node: 'reksio', state: 'WATCHING', role: 'watchdog', priority: 100, heardAgo: 310, vote: 'lolek', offline: false },
      ],
    },
    {
      name: 'web',
      state: 'STANDBY',
      role: 'secondary',
      priority: 100,
      attempts: 2,
      maxAttempts: 5,
      holder: '',
      vote: '',
      quorum: 2,
      voters: 3,
      endorsements: 0,
      quorate: false,
      timesHeld: 0,
      reason: '',
      complaints: 1,
      forced: false,
      offlineMs: 0,
      etcd: null,
      peers: [
        { node: 'bolek', state: 'TIMEDOUT', role: 'secondary', priority: 1, heardAgo: 75_000, vote: 'bolek', offline: false },
        { node: 'reksio', state: 'UNKNOWN', role: 'unknown', priority: 100, heardAgo: null, vote: '', offline: false },
      ],
    },
  ],
};

describe('formatStateFile', () => {
  it("says in one line per resource what it knows of etcd's key", () => {
    const [daemon, web] = VIEW.resources as [ResourceView, ResourceView];
    const view: NodeView = {
      ...VIEW,
      resources: [
        { ...daemon, etcd: { claim: 'ours', owner: 'lolek', countsForMs: 1_430 } },
        { ...web, etcd: { claim: 'unreachable', owner: '', countsForMs: 0 } },
        { ...web, name: 'nfs', etcd: { claim: 'theirs', owner: 'bolek', countsForMs: 0 } },
      ],
    };
    const text = formatStateFile(view, { pid: 1, writtenAt: WRITTEN_AT, etcd: { endpoint: 'http://127.0.0.1:2379', connected: false, lastError: 'http://127.0.0.1:2379/v3/kv/range: connect ECONNREFUSED' } });
    const lines = text.split('\n');
    const after = (heading: string): string | undefined => lines[lines.findIndex((l) => l.startsWith(heading)) + 2];
    expect(after('resource shared:')).toBe('  etcd: ours, counts 1.4 s more');
    expect(after('resource web:')).toBe('  etcd: unreachable (http://127.0.0.1:2379/v3/kv/range: connect ECONNREFUSED)');
    expect(after('resource nfs:')).toBe('  etcd: held by bolek');
    expect(formatStateFile(VIEW, { pid: 1, writtenAt: WRITTEN_AT })).not.toContain('etcd');
  });

  it('shows a header, then per resource its holder, reason and one aligned line per node', () => {
    const text = formatStateFile(VIEW, { pid: 4242, writtenAt: WRITTEN_AT, nodeRole: 'primary' });
    expect(text).toBe(
      [
        'hastmon on lolek, pid 4242, role primary, incarnation 1714564790000',
        'written 2024-05-01T12:00:00.250Z (epoch 1714564800)',
        '',
        'resource shared: holder lolek (quorum 2 of 3 voters)',
        '  reason: running: 3 of 3 endorsements valid',
        '  * lolek   [RUNNING]   role primary    priority 0    heard now        vote lolek  attempts 0/5',
        '    bolek   [STANDBY]   role secondary  priority 1    heard 0.2s ago   vote lolek',
        '    reksio  [WATCHING]  role watchdog   priority -    heard 0.3s ago   vote lolek',
        '',
        'resource web: holder none (quorum 2 of 3 voters, complaints 1)',
        '  reason: -',
        '  * lolek   [STANDBY]   role secondary  priority 100  heard now        vote -      attempts 2/5',
        '    bolek   [TIMEDOUT]  role secondary  priority 1    heard 1m15s ago  vote bolek',
        '    reksio  [UNKNOWN]   role unknown    priority 100  heard never      vote -',
        '',
      ].join('\n'),
    );
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(100);
  });

  it('shows the role as hastmonctl status does, the configured one where it differs, a forced start, offline and the gateway', () => {
    const shared = VIEW.resources[0]!;
    const view: NodeView = {
      ...VIEW,
      resources: [
        {
          ...shared,
          role: 'secondary',
          forced: true,
          offlineMs: 89_500,
          etcd: null,
          peers: [{ node: 'bolek', state: 'STOPPING', role: 'primary', priority: 1, heardAgo: 200, vote: 'lolek', offline: false }],
        },
      ],
    };
    const text = formatStateFile(view, {
      pid: 4242,
      writtenAt: WRITTEN_AT,
      gateway: { address: '192.0.2.1', reachable: true },
    }).split('\n');
    expect(text[2]).toBe('gateway 192.0.2.1 reachable');
    expect(text[4]).toBe('resource shared: holder lolek (quorum 2 of 3 voters), forced start here (USR1 or -m), offline here for 90 s');
    expect(text[6]).toMatch(/^ {2}\* lolek\s+\[RUNNING\]\s+role primary\s+configured-role secondary\s+priority 0\s/);
    expect(text[7]).toMatch(/^ {4}bolek\s+\[STOPPING\]\s+role primary\s+priority 1\s/);
  });

  it('leaves the role out of the header when not given, and says when there are no resources', () => {
    const text = formatStateFile({ node: 'reksio', incarnation: 7, resources: [] }, { pid: 1, writtenAt: WRITTEN_AT });
    expect(text).toBe(
      [
        'hastmon on reksio, pid 1, incarnation 7',
        'written 2024-05-01T12:00:00.250Z (epoch 1714564800)',
        '',
        'no resources',
        '',
      ].join('\n'),
    );
  });

  it('counts long silences in minutes, hours and days', () => {
    const peer = VIEW.resources[0]?.peers[0];
    if (peer === undefined) throw new Error('sample view changed');
    const heard = (heardAgo: number): string => {
      const resource = { ...VIEW.resources[0]!, peers: [{ ...peer, heardAgo }] };
      const text = formatStateFile({ ...VIEW, resources: [resource] }, { pid: 1, writtenAt: WRITTEN_AT });
      return /heard (\S+ ago)/.exec(text.split('\n').find((l) => l.includes('bolek')) ?? '')?.[1] ?? '';
    };
    expect(heard(59_949)).toBe('59.9s ago');
    expect(heard(3_599_000)).toBe('59m59s ago');
    expect(heard(7_200_000)).toBe('2h ago');
    expect(heard(3 * 86_400_000)).toBe('3d ago');
  });
});

/** What the reader thread saw: how many reads, how many of them torn, how many versions whole. */
interface ReaderResult {
  reads: number;
  torn: number;
  versions: number;
}

describe('writeFileAtomically', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hastmon-state-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file, readable by all, leaving no temporary file behind', () => {
    const path = join(dir, 'hastmon');
    writeFileSync(path, 'old\n', { mode: 0o600 });
    const umask = process.umask(0o077);
    try {
      writeFileAtomically(path, 'new\n');
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['hastmon']);
  });

  it('throws when the directory is missing, leaving nothing behind', () => {
    expect(() => writeFileAtomically(join(dir, 'missing', 'hastmon'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never shows a concurrent reader a torn file', async () => {
    const path = join(dir, 'hastmon');
    // Large enough that a plain write takes several system calls and could be seen half done.
    const content = (n: number): string => `begin ${n}\n${`${n % 10}`.repeat(256 * 1024)}\nend ${n}\n`;
    writeFileAtomically(path, content(0));

    // The reader checks every content it sees for its own consistency, in another thread, until told to stop.
    const reader = new Worker(
      `
      const { readFileSync } = require('node:fs');
      const { parentPort, workerData } = require('node:worker_threads');
      let stop = false;
      parentPort.on('message', () => { stop = true; });
      let reads = 0;
      let torn = 0;
      const seen = new Set();
      const deadline = Date.now() + 20000;
      function check(text) {
        const m = /^begin (\\d+)\\n/.exec(text);
        const n = m ? Number(m[1]) : -1;
        const whole = m !== null && text === 'begin ' + n + '\\n' + String(n % 10).repeat(256 * 1024) + '\\nend ' + n + '\\n';
        if (whole) seen.add(n); else torn += 1;
      }
      function loop() {
        for (let i = 0; i < 20; i++) { check(readFileSync(workerData, 'utf8')); reads += 1; }
        if (stop || Date.now() > deadline) {
          parentPort.postMessage({ reads, torn, versions: seen.size });
        } else {
          setImmediate(loop);
        }
      }
      parentPort.postMessage('ready');
      loop();
      `,
      { eval: true, workerData: path },
    );
    try {
      const result = new Promise<ReaderResult>((resolve, reject) => {
        reader.on('message', (message: unknown) => {
          if (message !== 'ready') resolve(message as ReaderResult);
        });
        reader.on('error', reject);
      });
      await new Promise<void>((resolve) => reader.once('message', () => resolve()));
      for (let n = 1; n <= 200; n++) {
        writeFileAtomically(path, content(n));
        // Let the reader catch the file between writes as well as during them.
        if (n % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      reader.postMessage('stop');
      const { reads, torn, versions } = await result;
      expect(torn).toBe(0);
      // The reader really ran alongside the writes: it saw several versions of the file.
      expect(reads).toBeGreaterThan(20);
      expect(versions).toBeGreaterThan(1);
      expect(readFileSync(path, 'utf8')).toBe(content(200));
      expect(readdirSync(dir)).toEqual(['hastmon']);
    } finally {
      await reader.terminate();
    }
  });
});
