// hastmonctl as a process (run from its TypeScript through tsx, so no build is needed) against a
// stand-in daemon: a ControlServer with a scripted handler.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlRequest, ControlResponse, StatusDocument } from '../io/control-protocol.js';
import { ControlServer } from '../io/control-server.js';
import { formatStatus } from './status-format.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('./hastmonctl.ts', import.meta.url));
const seed = readFileSync(fileURLToPath(new URL('../config/fixtures/seed-hastmon.conf', import.meta.url)), 'utf8');

const STATUS: StatusDocument = {
  node: 'lolek',
  pid: 4242,
  incarnation: 1_790_000_000_000,
  time: '2026-11-22T12:00:00.000Z',
  resources: [
    {
      name: 'daemon',
      role: 'primary',
      shownRole: 'primary',
      state: 'RUNNING',
      exec: '/etc/daemon.sh',
      remotes: [{ address: 'tcp4://bolek', node: 'bolek', connected: true, shownRole: 'secondary', state: 'STANDBY' }],
      attempts: 0,
      maxAttempts: 5,
      complaints: 0,
      complaintIntervalSec: 60,
      complaintThreshold: 3,
      heartbeatSec: 10,
      holder: 'lolek',
      quorum: 2,
      voters: 3,
      reason: 'holding with 3 of 3 endorsements',
      peers: [{ node: 'bolek', state: 'STANDBY', role: 'secondary', priority: 1, heardAgo: 200, vote: 'lolek' }],
    },
  ],
  drops: [],
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hastmonctl(...argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script, ...argv], { cwd: root, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

// Usage errors are found before any socket is tried, so these need no daemon and run side by side.
describe.concurrent('hastmonctl usage', () => {
  it.each([
    [[], 'missing command'],
    [['-q', 'status'], 'unknown option -q'],
    [['-s'], 'option -s requires an argument'],
    [['restart'], "unknown command 'restart'"],
    [['status', '--yaml'], "unknown option '--yaml' for status"],
    [['status', 'all', 'daemon'], "'all' cannot be combined with resource names"],
    [['role', 'boss', 'all'], "role: expected one of init, secondary, primary, watchdog, not 'boss'"],
    [['role', 'primary'], "role: name the resources, or 'all'"],
    [['offline', '0'], 'offline: seconds must be from 1 to 31536000, not 0'],
    [['reload', 'now'], 'reload takes no arguments'],
  ])('%j exits 64: %s', async (argv, message) => {
    const run = await hastmonctl('-s', '/nonexistent/hastmonctl', ...argv);
    expect(run.code).toBe(64);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^hastmonctl: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\nusage: hastmonctl `));
  });

  it.each([['-h'], ['help']])('%s prints the usage on stdout and exits 0', async (flag) => {
    const run = await hastmonctl(flag);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: hastmonctl \[-c config\] \[-N name\] \[-s socket\] command/);
    expect(run.stderr).toBe('');
  });
});

let dir: string;
let socket: string;
let seen: ControlRequest[];
let answer: (request: ControlRequest) => ControlResponse;
let daemon: ControlServer | null;
let impostor: Server | null;

const quiet = { debug: (): void => undefined, warning: (): void => undefined };

async function startDaemon(at = socket): Promise<void> {
  daemon = new ControlServer(at, async (request) => {
    seen.push(request);
    return answer(request);
  }, quiet);
  await daemon.start();
}

describe('hastmonctl and the control socket', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hastmonctl-'));
    socket = join(dir, 'hastmonctl');
    seen = [];
    answer = (request) => (request.command === 'status' ? { ok: true, status: STATUS } : { ok: true });
    daemon = null;
    impostor = null;
  });

  afterEach(async () => {
    await daemon?.close();
    const open = impostor;
    if (open !== null) await new Promise<void>((resolve) => open.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('hastmonctl without a daemon', () => {
    it('exits 69 saying hastmon is not running', async () => {
      expect(await hastmonctl('-s', socket, 'status')).toEqual({
        code: 69,
        stdout: '',
        stderr: `hastmonctl: hastmon is not running (no daemon at ${socket})\n`,
      });
    });
  });

  describe('hastmonctl with a daemon', () => {
    it("prints status in HASTMON's format", async () => {
      await startDaemon();
      expect(await hastmonctl('-s', socket, 'status')).toEqual({ code: 0, stdout: formatStatus(STATUS), stderr: '' });
      expect(seen).toEqual([{ command: 'status', resources: 'all' }]);
    });

    it('prints status --json as the document, pretty-printed', async () => {
      await startDaemon();
      const run = await hastmonctl('-s', socket, 'status', 'daemon', '--json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(STATUS);
      expect(run.stdout).toBe(`${JSON.stringify(STATUS, null, 2)}\n`);
      expect(seen).toEqual([{ command: 'status', resources: ['daemon'] }]);
    });

    it('sends each command as the daemon expects it', async () => {
      await startDaemon();
      const runs = [
        ['role', 'primary', 'all'],
        ['role', 'watchdog', 'daemon', 'storage'],
        ['offline'],
        ['offline', '60', 'daemon'],
        ['clear'],
        ['reload'],
      ];
      for (const argv of runs) expect(await hastmonctl('-s', socket, ...argv)).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(seen).toEqual([
        { command: 'role', role: 'primary', resources: 'all' },
        { command: 'role', role: 'watchdog', resources: ['daemon', 'storage'] },
        { command: 'offline', resources: 'all' },
        { command: 'offline', seconds: 60, resources: ['daemon'] },
        { command: 'clear', resources: 'all' },
        { command: 'reload' },
      ]);
    });

    it("prints the daemon's message for a command that succeeded", async () => {
      answer = () => ({ ok: true, message: 'daemon: offline for 30 s' });
      await startDaemon();
      expect(await hastmonctl('-s', socket, 'offline', 'daemon')).toEqual({ code: 0, stdout: 'daemon: offline for 30 s\n', stderr: '' });
    });

    it("exits with the daemon's status and message when it refuses", async () => {
      answer = () => ({ ok: false, exitCode: 65, message: "no resource 'nfs'" });
      await startDaemon();
      expect(await hastmonctl('-s', socket, 'clear', 'nfs')).toEqual({ code: 65, stdout: '', stderr: "hastmonctl: no resource 'nfs'\n" });
    });

    it('prints every line of a refused reload', async () => {
      answer = () => ({ ok: false, exitCode: 78, message: '/etc/hastmon.conf:3: bad number\n/etc/hastmon.conf:9: unknown keyword' });
      await startDaemon();
      expect(await hastmonctl('-s', socket, 'reload')).toEqual({
        code: 78,
        stdout: '',
        stderr: 'hastmonctl: /etc/hastmon.conf:3: bad number\nhastmonctl: /etc/hastmon.conf:9: unknown keyword\n',
      });
    });

    it('exits 76 on an answer that is not the protocol', async () => {
      const garbler = createServer((client) => client.once('data', () => client.end('200 OK\n')));
      impostor = garbler;
      await new Promise<void>((resolve) => garbler.listen(socket, resolve));
      expect(await hastmonctl('-s', socket, 'reload')).toEqual({
        code: 76,
        stdout: '',
        stderr: `hastmonctl: garbled answer from hastmon at ${socket}: answer is not JSON\n`,
      });
    });

    it('exits 76 when status comes back without a status', async () => {
      answer = () => ({ ok: true });
      await startDaemon();
      expect(await hastmonctl('-s', socket, 'status')).toEqual({
        code: 76,
        stdout: '',
        stderr: `hastmonctl: garbled answer from hastmon at ${socket}: no status in the answer to status\n`,
      });
    });
  });

  describe('hastmonctl finds the socket in the configuration', () => {
    it("takes this node's 'control' path, given by -N", async () => {
      const lolekSocket = join(dir, 'lolek.ctl');
      const config = join(dir, 'hastmon.conf');
      writeFileSync(config, `control ${socket}\non lolek {\n  control ${lolekSocket}\n}\n${seed}`);
      await startDaemon(lolekSocket);
      expect(await hastmonctl('-c', config, '-N', 'lolek', 'reload')).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(seen).toEqual([{ command: 'reload' }]);
      expect(await hastmonctl('-c', config, '-N', 'bolek', 'reload')).toMatchObject({
        code: 69,
        stderr: `hastmonctl: hastmon is not running (no daemon at ${socket})\n`,
      });
    });

    it('exits 78 with every configuration error, and says how to do without', async () => {
      const config = join(dir, 'hastmon.conf');
      writeFileSync(config, seed);
      const run = await hastmonctl('-c', config, '-N', 'stranger', 'status');
      expect(run.code).toBe(78);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(new RegExp(`^hastmonctl: ${config}:1: resource 'daemon' has no 'on' section for node 'stranger'`));
      expect(lines[2]).toBe('hastmonctl: give the control socket with -s to do without the configuration');
    });

    it('exits 78 for a configuration file given with -c that does not exist', async () => {
      const missing = join(dir, 'missing.conf');
      expect(await hastmonctl('-c', missing, 'status')).toEqual({
        code: 78,
        stdout: '',
        stderr: `hastmonctl: ${missing}: configuration file not found\nhastmonctl: give the control socket with -s to do without the configuration\n`,
      });
    });
  });
});
