// hastmonctl run in process (runCtl with a recording io) against a stand-in daemon: a Unix socket
// server in a temporary directory that reads each request as the daemon does (parseRequest) and
// answers as scripted. Two tests at the end run the built launcher, bin/hastmonctl, as operators do.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeLine, parseRequest, type ControlRequest, type ControlResponse, type ParseError, type StatusDocument } from '../io/control-protocol.js';
import { HASTMONCTL_USAGE, runCtl, type CtlIo } from './hastmonctl.js';
import { formatStatus } from './status-format.js';
import type { EventsDocument } from '../io/control-protocol.js';

const EVENTS: EventsDocument = {
  node: 'bolek',
  events: [
    { seq: 7, time: '2026-11-30T04:01:02.345Z', resource: 'daemon', subject: 'holder', from: 'lolek', to: '', reason: 'lolek not heard for 1000 ms (TIMEDOUT)' },
    { seq: 8, time: '2026-11-30T04:01:02.350Z', resource: 'daemon', subject: 'state', from: 'STANDBY', to: 'STARTING', reason: 'elected: 2 of 3 voters endorse it (quorum 2)' },
    { seq: 9, time: '2026-11-30T04:01:02.351Z', resource: 'daemon', subject: 'holder', from: '', to: 'bolek', reason: 'this node is starting it' },
  ],
};

const root = fileURLToPath(new URL('../../', import.meta.url));
const seed = readFileSync(fileURLToPath(new URL('../config/fixtures/seed-hastmon.conf', import.meta.url)), 'utf8');

const STATUS: StatusDocument = {
  node: 'lolek',
  pid: 4242,
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
      heartbeatSec: 10,
      holder: 'lolek',
      quorum: 2,
      voters: 3,
      reason: 'holding with 3 of 3 endorsements',
      peers: [{ node: 'bolek', state: 'STANDBY', role: 'secondary', configuredRole: 'secondary', priority: 1, heardAgoMs: 200, vote: 'lolek', offline: false }],
    },
  ],
  drops: [],
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let socket: string;
/** What the stand-in daemon read, each as parseRequest returned it (a ParseError for a bad request). */
let seen: Array<ControlRequest | ParseError>;
let answer: (request: ControlRequest) => ControlResponse;
let servers: Server[];

/** hastmonctl in process; `io` replaces the defaults (no configuration file, node 'lolek'). */
async function hastmonctl(argv: string[], io: Partial<CtlIo> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCtl(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    defaultConfigPath: join(dir, 'no-such.conf'),
    defaultNodeName: 'lolek',
    requestTimeoutMs: 5_000,
    ...io,
  });
  return { code, stdout, stderr };
}

/** Listens on `at`, calling `serve` for each client, until the test ends. */
async function listen(at: string, serve: (client: Socket) => void): Promise<void> {
  const server = createServer(serve);
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, resolve);
  });
}

/** The stand-in daemon: one line of request, one line of answer, as the control protocol has it. */
function startDaemon(at = socket): Promise<void> {
  return listen(at, (client) => {
    let text = '';
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => {
      text += chunk;
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      const request = parseRequest(text.slice(0, newline));
      seen.push(request);
      client.end(encodeLine('error' in request ? { ok: false, exitCode: 76, message: `bad request: ${request.error}` } : answer(request)));
    });
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hastmonctl-'));
  socket = join(dir, 'hastmonctl');
  seen = [];
  answer = (request) => (request.command === 'status' ? { ok: true, status: STATUS } : { ok: true });
  servers = [];
});

afterEach(async () => {
  for (const server of servers) {
    server.close();
    server.unref();
  }
  rmSync(dir, { recursive: true, force: true });
});

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('usage errors: exit 64 with the message and the usage on stderr, before any socket is tried', () => {
  it.each([
    [[], 'missing command'],
    [['-q', 'status'], 'unknown option -q'],
    [['-s'], 'option -s requires an argument'],
    [['restart'], "unknown command 'restart'"],
    [['status', '--yaml'], "unknown option '--yaml' for status"],
    [['clear', '--json'], "unknown option '--json' for clear"],
    [['status', 'all', 'daemon'], "'all' cannot be combined with resource names"],
    [['role', 'boss', 'all'], "role: expected one of init, secondary, primary, watchdog, not 'boss'"],
    [['role'], 'role: expected one of init, secondary, primary, watchdog'],
    [['role', 'primary'], "role: name the resources, or 'all'"],
    [['offline', '0'], 'offline: the time must be whole seconds from 1 s to 31536000 s, not 0'],
    [['offline', '31536001', 'daemon'], 'offline: the time must be whole seconds from 1 s to 31536000 s, not 31536001'],
    [['offline', '1500ms'], 'offline: the time must be whole seconds from 1 s to 31536000 s, not 1500ms'],
    [['reload', 'now'], 'reload takes no arguments'],
    [['events', '-n'], 'events: -n needs a count'],
    [['events', '-n', '0'], "events: -n takes a whole number of 1 or more, not '0'"],
    [['events', '-n', 'ten'], "events: -n takes a whole number of 1 or more, not 'ten'"],
    [['events', '-n', '-3'], "events: -n takes a whole number of 1 or more, not '-3'"],
    [['events', '-n1.5'], "events: -n takes a whole number of 1 or more, not '1.5'"],
    [['events', '-n', '5', 'daemon'], "events: unexpected 'daemon'"],
    [['events', 'daemon'], "events: unexpected 'daemon'"],
    [['events', '-x'], "unknown option '-x' for events"],
  ])('%j: %s', async (argv, message) => {
    const run = await hastmonctl(['-s', join('/nonexistent', 'hastmonctl'), ...argv]);
    expect(run).toEqual({ code: 64, stdout: '', stderr: `hastmonctl: ${message}\n${HASTMONCTL_USAGE}` });
    expect(seen).toEqual([]);
  });

  it('-N takes a node name by the rules of hastmon -N', async () => {
    expect(await hastmonctl(['-N', 'lo/lek', 'status'])).toEqual({
      code: 64,
      stdout: '',
      stderr: "hastmonctl: bad node name 'lo/lek' for -N: expected a name without spaces or slashes\n",
    });
  });
});

describe('help', () => {
  it.each([[['-h']], [['help']], [['-h', 'restart']], [['-s', '/nonexistent/hastmonctl', 'help', 'me']]])('%j prints the usage on stdout and exits 0', async (argv) => {
    const run = await hastmonctl(argv);
    expect(run).toEqual({ code: 0, stdout: HASTMONCTL_USAGE, stderr: '' });
    expect(run.stdout).toMatch(/^usage: hastmonctl \[-c config\] \[-N name\] \[-s socket\] command/);
  });
});

describe('without a daemon on the socket', () => {
  it('exits 69 saying hastmon is not running', async () => {
    expect(await hastmonctl(['-s', socket, 'status'])).toEqual({
      code: 69,
      stdout: '',
      stderr: `hastmonctl: hastmon is not running (no daemon at ${socket})\n`,
    });
  });

  it('exits 75 when nothing answers in time', async () => {
    await listen(socket, () => undefined);
    expect(await hastmonctl(['-s', socket, 'reload'], { requestTimeoutMs: 50 })).toEqual({
      code: 75,
      stdout: '',
      stderr: `hastmonctl: no answer from hastmon at ${socket} within 0.05 s\n`,
    });
  });
});

describe('requests and answers', () => {
  it("prints status in HASTMON's format", async () => {
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'status'])).toEqual({ code: 0, stdout: formatStatus(STATUS), stderr: '' });
    expect(seen).toEqual([{ command: 'status', resources: 'all' }]);
  });

  it('prints status --json as the document, pretty-printed, wherever --json stands', async () => {
    await startDaemon();
    for (const argv of [['status', 'daemon', '--json'], ['status', '--json', 'daemon']]) {
      const run = await hastmonctl(['-s', socket, ...argv]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(STATUS);
      expect(run.stdout).toBe(`${JSON.stringify(STATUS, null, 2)}\n`);
    }
    expect(seen).toEqual([
      { command: 'status', resources: ['daemon'] },
      { command: 'status', resources: ['daemon'] },
    ]);
  });

  it('sends each command as the daemon expects it', async () => {
    await startDaemon();
    const runs = [
      ['role', 'primary', 'all'],
      ['role', 'watchdog', 'daemon', 'storage'],
      ['offline'],
      ['offline', '60', 'daemon'],
      ['offline', '2m'],
      ['offline', '90s', 'daemon'],
      ['offline', '1h', 'all'],
      ['offline', 'all'],
      ['clear'],
      ['clear', 'daemon'],
      ['reload'],
    ];
    for (const argv of runs) expect(await hastmonctl(['-s', socket, ...argv]), argv.join(' ')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(seen).toEqual([
      { command: 'role', role: 'primary', resources: 'all' },
      { command: 'role', role: 'watchdog', resources: ['daemon', 'storage'] },
      { command: 'offline', resources: 'all' },
      { command: 'offline', seconds: 60, resources: ['daemon'] },
      { command: 'offline', seconds: 120, resources: 'all' },
      { command: 'offline', seconds: 90, resources: ['daemon'] },
      { command: 'offline', seconds: 3600, resources: 'all' },
      { command: 'offline', resources: 'all' },
      { command: 'clear', resources: 'all' },
      { command: 'clear', resources: ['daemon'] },
      { command: 'reload' },
    ]);
  });

  it('prints events one line each, oldest first, a holder change as such, asking for 20 by default', async () => {
    answer = () => ({ ok: true, events: EVENTS });
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'events'])).toEqual({
      code: 0,
      stdout:
        '2026-11-30T04:01:02.345Z  daemon  holder lolek -> none  lolek not heard for 1000 ms (TIMEDOUT)\n' +
        '2026-11-30T04:01:02.350Z  daemon  STANDBY -> STARTING  elected: 2 of 3 voters endorse it (quorum 2)\n' +
        '2026-11-30T04:01:02.351Z  daemon  holder none -> bolek  this node is starting it\n',
      stderr: '',
    });
    expect(seen).toEqual([{ command: 'events', limit: 20 }]);
  });

  it('sends -n as the limit, and prints --json as the document', async () => {
    answer = () => ({ ok: true, events: EVENTS });
    await startDaemon();
    for (const argv of [['events', '-n', '3', '--json'], ['events', '--json', '-n3']]) {
      const run = await hastmonctl(['-s', socket, ...argv]);
      expect(run).toEqual({ code: 0, stdout: `${JSON.stringify(EVENTS, null, 2)}\n`, stderr: '' });
    }
    expect(seen).toEqual([
      { command: 'events', limit: 3 },
      { command: 'events', limit: 3 },
    ]);
  });

  it('says so when the daemon has no events yet', async () => {
    answer = () => ({ ok: true, events: { node: 'bolek', events: [] } });
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'events'])).toEqual({ code: 0, stdout: 'no events on bolek since hastmon started\n', stderr: '' });
  });

  it('exits 76 when events come back without the events, or malformed', async () => {
    answer = () => ({ ok: true });
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'events'])).toEqual({
      code: 76,
      stdout: '',
      stderr: `hastmonctl: garbled answer from hastmon at ${socket}: no events in the answer to events\n`,
    });
    answer = () => ({ ok: true, events: { node: 'bolek', events: [{ ...EVENTS.events[0], subject: 'mood' }] } }) as unknown as ControlResponse;
    const run = await hastmonctl(['-s', socket, 'events']);
    expect(run.code).toBe(76);
    expect(run.stderr).toContain('answer.events.events[0].subject: expected one of state, holder');
  });

  it("prints the daemon's message for a command that succeeded", async () => {
    answer = () => ({ ok: true, message: 'daemon: offline for 30 s' });
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'offline', 'daemon'])).toEqual({ code: 0, stdout: 'daemon: offline for 30 s\n', stderr: '' });
  });

  it("exits with the daemon's status and message when it refuses", async () => {
    answer = () => ({ ok: false, exitCode: 65, message: "no resource 'nfs'" });
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'clear', 'nfs'])).toEqual({ code: 65, stdout: '', stderr: "hastmonctl: no resource 'nfs'\n" });
  });

  it('prints every line of a refused reload, each with the command name', async () => {
    answer = () => ({ ok: false, exitCode: 78, message: '/etc/hastmon.conf:3: bad number\n/etc/hastmon.conf:9: unknown keyword' });
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'reload'])).toEqual({
      code: 78,
      stdout: '',
      stderr: 'hastmonctl: /etc/hastmon.conf:3: bad number\nhastmonctl: /etc/hastmon.conf:9: unknown keyword\n',
    });
  });

  it('exits 76 on an answer that is not the protocol', async () => {
    await listen(socket, (client) => client.once('data', () => client.end('200 OK\n')));
    expect(await hastmonctl(['-s', socket, 'reload'])).toEqual({
      code: 76,
      stdout: '',
      stderr: `hastmonctl: garbled answer from hastmon at ${socket}: answer is not JSON\n`,
    });
  });

  it('exits 76 when status comes back without a status', async () => {
    answer = () => ({ ok: true });
    await startDaemon();
    expect(await hastmonctl(['-s', socket, 'status'])).toEqual({
      code: 76,
      stdout: '',
      stderr: `hastmonctl: garbled answer from hastmon at ${socket}: no status in the answer to status\n`,
    });
  });

  it('exits 70 with one line saying what went wrong when something throws, never a stack trace', async () => {
    const run = await hastmonctl(['help'], {
      stdout: () => {
        throw new Error('stdout is gone');
      },
    });
    expect(run.code).toBe(70);
    expect(run.stderr).toBe('hastmonctl: internal error: stdout is gone\n');
  });
});

describe('the socket named by the configuration', () => {
  it("takes this node's 'control' path, given by -N", async () => {
    const lolekSocket = join(dir, 'lolek.ctl');
    const config = join(dir, 'hastmon.conf');
    writeFileSync(config, `control ${socket}\non lolek {\n  control ${lolekSocket}\n}\n${seed}`);
    await startDaemon(lolekSocket);
    expect(await hastmonctl(['-c', config, '-N', 'lolek', 'reload'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(seen).toEqual([{ command: 'reload' }]);
    expect(await hastmonctl(['-c', config, '-N', 'bolek', 'reload'])).toEqual({
      code: 69,
      stdout: '',
      stderr: `hastmonctl: hastmon is not running (no daemon at ${socket})\n`,
    });
  });

  it('reads the default configuration as the host name\'s node without -c and -N', async () => {
    const bolekSocket = join(dir, 'bolek.ctl');
    const config = join(dir, 'default.conf');
    writeFileSync(config, `control ${socket}\non bolek {\n  control ${bolekSocket}\n}\n${seed}`);
    await startDaemon(bolekSocket);
    expect(await hastmonctl(['reload'], { defaultConfigPath: config, defaultNodeName: 'bolek' })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(seen).toEqual([{ command: 'reload' }]);
  });

  it('exits 78 with every configuration error, and says how to do without', async () => {
    const config = join(dir, 'hastmon.conf');
    writeFileSync(config, seed);
    const run = await hastmonctl(['-c', config, '-N', 'stranger', 'status']);
    expect(run.code).toBe(78);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^hastmonctl: ${escapeRegExp(config)}:1: resource 'daemon' has no 'on' section for node 'stranger'`));
    expect(lines[1]).toMatch(/^hastmonctl: /);
    expect(lines[2]).toBe('hastmonctl: give the control socket with -s to do without the configuration');
  });

  it('exits 78 for a configuration file given with -c that does not exist', async () => {
    const missing = join(dir, 'missing.conf');
    expect(await hastmonctl(['-c', missing, 'status'])).toEqual({
      code: 78,
      stdout: '',
      stderr: `hastmonctl: ${missing}: configuration file not found\nhastmonctl: give the control socket with -s to do without the configuration\n`,
    });
  });
});

describe('bin/hastmonctl, the built launcher, as operators run it', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'cli', 'hastmonctl.js'))) throw new Error('dist/cli/hastmonctl.js is missing: run npm run build first');
  });

  // execFile, not execFileSync: the stand-in daemon answers from this process's event loop.
  const launch = (...argv: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(root, 'bin', 'hastmonctl'), ...argv], { timeout: 20_000 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      });
    });

  it('prints the answer on stdout and exits 0', async () => {
    await startDaemon();
    expect(await launch('-s', socket, 'status')).toEqual({ code: 0, stdout: formatStatus(STATUS), stderr: '' });
    expect(seen).toEqual([{ command: 'status', resources: 'all' }]);
  });

  it("exits with the daemon's refusal status, its message on stderr", async () => {
    answer = () => ({ ok: false, exitCode: 65, message: "no resource 'nfs'" });
    await startDaemon();
    expect(await launch('-s', socket, 'clear', 'nfs')).toEqual({ code: 65, stdout: '', stderr: "hastmonctl: no resource 'nfs'\n" });
  });
});
