// Starting hastmon as an operator does, through the built launchers (`npm run build` first): in the
// background (the default) and with -F, its output read through pipes as `ssh node hastmon` reads
// it. A failed start says why in one line and exits with its own status; a background start lets
// go of the pipes; the log goes to a file with -L, is reopened on `hastmonctl reopen-log`, and is
// prefixed for the journal under systemd; a peer name that does not resolve is retried.
//
// Traffic stays on loopback: the daemons listen on 127.0.0.1 ports, and the one name that does
// not resolve fails inside the resolver library (its first label is longer than DNS allows), so
// no query leaves the host for it.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { EX_CONFIG, EX_OSERR, EX_TEMPFAIL, EX_UNAVAILABLE } from '../cli/exit-codes.js';
import { syslogProblem } from '../io/log-destination.js';
import { daemonEnvironment, freePort, HASTMON_BIN, isGone, ROOT, signalQuietly, sleep } from './processes.js';

const HASTMONCTL_BIN = join(ROOT, 'bin', 'hastmonctl');

/** Generous bounds for conditions on a loaded two-core machine; none is a sleep. */
const EXIT_BOUND_MS = 20_000;
const EOF_BOUND_MS = 5_000;
const LOG_BOUND_MS = 10_000;

// ------------------------------------------------------------------------------------------------
// A node's files, and the daemons a test started: killed when the test ends, by pid. The tests
// run concurrently, each on its own directory and ports.

class Scope {
  readonly dirs: string[] = [];
  readonly daemons = new Set<number>();

  constructor(context: TestContext) {
    context.onTestFinished(() => this.cleanup());
  }

  private async cleanup(): Promise<void> {
    for (const pid of this.daemons) signalQuietly(pid, 'SIGTERM');
    for (const pid of this.daemons) {
      const deadline = Date.now() + 10_000;
      while (!isGone(pid) && Date.now() < deadline) await sleep(20);
      if (!isGone(pid)) signalQuietly(pid, 'SIGKILL');
    }
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

interface Node {
  scope: Scope;
  dir: string;
  config: string;
  script: string;
  pidFile: string;
  logFile: string;
  socket: string;
  port: number;
  /** `-c … -N lolek -P …`: the flags of every start. */
  flags: string[];
}

/** Starts, stops and checks a file: a resource that runs nothing. */
const SERVICE = `#!/bin/sh
case "$1" in
start) touch "$0.running" ;;
stop) rm -f "$0.running" ;;
status) [ -e "$0.running" ] || exit 1 ;;
esac
exit 0
`;

/**
 * Node lolek of a cluster with bolek (and reksio, a watchdog, when `watchdogPort` is given), its
 * heartbeats on `channel` or unicast to `lolekRemotes`.
 */
async function node(
  context: TestContext,
  options: { lolekRemotes?: string[]; channel?: string; watchdogPort?: number } = {},
): Promise<Node> {
  const scope = new Scope(context);
  const dir = mkdtempSync(join(tmpdir(), 'hastmon-operator-'));
  scope.dirs.push(dir);
  const port = await freePort();
  const script = join(dir, 'service.sh');
  writeFileSync(script, SERVICE, { mode: 0o755 });
  const remotes = options.lolekRemotes ?? [`127.0.0.1:${await freePort()}`];
  const lines = [
    ...(options.channel === undefined ? [] : [options.channel]),
    'on lolek {',
    `  listen 127.0.0.1:${port}`,
    `  control ${join(dir, 'lolek.sock')}`,
    `  state_file ${join(dir, 'lolek.state')}`,
    '}',
    'resource daemon {',
    `  exec ${script}`,
    '  on lolek {',
    ...(options.channel === undefined ? [`    remote ${remotes.join(' ')}`] : []),
    '  }',
    '  on bolek {',
    ...(options.channel === undefined ? [`    remote 127.0.0.1:${port}`] : []),
    '  }',
    ...(options.watchdogPort === undefined
      ? []
      : ['  on reksio {', '    role_on_start watchdog', ...(options.channel === undefined ? [`    remote 127.0.0.1:${port}`] : []), '  }']),
    '}',
    '',
  ];
  const config = join(dir, 'hastmon.conf');
  writeFileSync(config, lines.join('\n'));
  const pidFile = join(dir, 'lolek.pid');
  return {
    scope,
    dir,
    config,
    script,
    pidFile,
    logFile: join(dir, 'hastmon.log'),
    socket: join(dir, 'lolek.sock'),
    port,
    flags: ['-c', config, '-N', 'lolek', '-P', pidFile],
  };
}

// ------------------------------------------------------------------------------------------------
// Running the launchers through pipes.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Both pipes reached end-of-file soon after the command exited: nothing else holds them. */
  eof: boolean;
}

function waitForClose(stream: NodeJS.ReadableStream & { destroy(): void }, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve(false);
    }, ms);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Runs a launcher with stdout and stderr on pipes; resolves once it exited and its pipes closed (or did not, within a bound). */
async function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], { env: daemonEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const closed = Promise.all([waitForClose(child.stdout, EXIT_BOUND_MS + EOF_BOUND_MS), waitForClose(child.stderr, EXIT_BOUND_MS + EOF_BOUND_MS)]);
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) signalQuietly(child.pid, 'SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not exit within ${EXIT_BOUND_MS} ms`));
    }, EXIT_BOUND_MS);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const exitedAt = Date.now();
  const [outClosed, errClosed] = await closed;
  const eof = outClosed && errClosed && Date.now() - exitedAt < EOF_BOUND_MS;
  return { code, stdout, stderr, eof };
}

const hastmon = (args: string[], env?: NodeJS.ProcessEnv): Promise<Run> => run(HASTMON_BIN, args, env);
const hastmonctl = (args: string[]): Promise<Run> => run(HASTMONCTL_BIN, args);

/** A background start that must succeed: its daemon's pid, from the pid file, is killed after the test. */
async function startInBackground(n: Node, extra: string[] = ['-L', n.logFile]): Promise<{ pid: number; run: Run }> {
  const started = await hastmon([...n.flags, ...extra]);
  if (existsSync(n.pidFile)) n.scope.daemons.add(Number(readFileSync(n.pidFile, 'utf8').trim()));
  expect(started).toMatchObject({ code: 0, stdout: '', eof: true });
  return { pid: Number(readFileSync(n.pidFile, 'utf8').trim()), run: started };
}

async function waitFor(what: string, condition: () => boolean, ms = LOG_BOUND_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const readOrEmpty = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** The one line a failed start prints: no stack trace, no second line. */
function expectOneLine(stderr: string, line: string | RegExp): void {
  expect(stderr.split('\n')).toHaveLength(2);
  expect(stderr.endsWith('\n')).toBe(true);
  if (typeof line === 'string') expect(stderr).toBe(`${line}\n`);
  else expect(stderr).toMatch(line);
}

// ------------------------------------------------------------------------------------------------

const MODES = [
  ['in the background', [] as string[]],
  ['with -F', ['-F']],
] as const;

describe.concurrent.each(MODES)('a failed start %s', (_mode, modeFlags) => {
  it('when another hastmon runs with the pid file: exit 75 and its one line', async (context) => {
    const n = await node(context);
    const { pid } = await startInBackground(n);
    const second = await hastmon([...modeFlags, ...n.flags, '-L', n.logFile]);
    expect(second).toMatchObject({ code: EX_TEMPFAIL, stdout: '', eof: true });
    expectOneLine(second.stderr, `hastmon: hastmon already running as pid ${pid} (pid file ${n.pidFile})`);
    expect(isGone(pid)).toBe(false);
  });

  it('when its UDP port is taken: exit 71 and its one line', async (context) => {
    const n = await node(context);
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(n.port, '127.0.0.1', resolve));
    try {
      const result = await hastmon([...modeFlags, ...n.flags, '-L', n.logFile]);
      expect(result).toMatchObject({ code: EX_OSERR, stdout: '', eof: true });
      const why = `channel 0 (unicast): cannot bind UDP 127.0.0.1:${n.port}: address in use (another process, or a second daemon with the same address?)`;
      expectOneLine(result.stderr, `hastmon: ${why}`);
      // In the background the daemon's log file keeps it too, as one of its own lines.
      if (modeFlags.length === 0) expect(readFileSync(n.logFile, 'utf8')).toMatch(new RegExp(`^\\S+ hastmon\\[\\d+\\]: error: ${escapeRegExp(why)}\n$`));
    } finally {
      await new Promise<void>((resolve) => squatter.close(resolve));
    }
    expect(existsSync(n.pidFile)).toBe(false);
  });

  it('when a script is missing: exit 78 and its one line', async (context) => {
    const n = await node(context);
    rmSync(n.script);
    const result = await hastmon([...modeFlags, ...n.flags, '-L', n.logFile]);
    expect(result).toMatchObject({ code: EX_CONFIG, stdout: '', eof: true });
    expectOneLine(result.stderr, `hastmon: resource daemon: ${n.script}: does not exist`);
    expect(existsSync(n.pidFile)).toBe(false);
  });

  it('when the multicast group cannot be joined: exit 71 and its one line', async (context) => {
    // 192.0.2.1 (TEST-NET-1) is no address of this host: the join fails before anything is sent.
    const group = `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`;
    const port = await freePort();
    const n = await node(context, { channel: `channel multicast ${group}:${port} interface 192.0.2.1 ttl 0` });
    const result = await hastmon([...modeFlags, ...n.flags, '-L', n.logFile]);
    expect(result).toMatchObject({ code: EX_OSERR, stdout: '', eof: true });
    const channel = escapeRegExp(`channel 0 (multicast ${group}:${port}): cannot join the group on interface 192.0.2.1: `);
    expectOneLine(result.stderr, new RegExp(`^hastmon: ${channel}\\S.*\\n$`));
    expect(existsSync(n.pidFile)).toBe(false);
  });
});

describe.concurrent('a background start', () => {
  it('lets go of the terminal: a new session, stdin and stdout on /dev/null, stderr on the log file', async (context) => {
    const n = await node(context);
    const { pid } = await startInBackground(n);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    expect(session).toBe(pid);
    expect([0, 1, 2].map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`))).toEqual(['/dev/null', '/dev/null', n.logFile]);
    await waitFor('the start in the log', () => readOrEmpty(n.logFile).includes(`hastmon[${pid}]: notice: started as node lolek, pid ${pid}`));
  });

  it('without -L and without syslog, warns in one line that the log is lost; with syslog, says nothing', async (context) => {
    const n = await node(context);
    const { run: started } = await startInBackground(n, []);
    const problem = syslogProblem();
    expect(started.stderr).toBe(
      problem === null ? '' : `hastmon: warning: ${problem}: the daemon's messages will be lost; give -L FILE to keep them, or run hastmon -F\n`,
    );
  });

  it('logs to the -L file and opens it again on hastmonctl reopen-log, after logrotate moved it', async (context) => {
    const n = await node(context);
    const { pid } = await startInBackground(n);
    await waitFor('the start in the log', () => readOrEmpty(n.logFile).includes('notice: started as node lolek'));
    renameSync(n.logFile, `${n.logFile}.1`);
    const reopened = await hastmonctl(['-s', n.socket, 'reopen-log']);
    expect(reopened).toMatchObject({ code: 0, stdout: 'log file reopened\n', stderr: '' });
    await waitFor('the new log file', () => readOrEmpty(n.logFile).includes(`hastmon[${pid}]: notice: log file ${n.logFile} reopened`));
    expect(readFileSync(`${n.logFile}.1`, 'utf8')).toContain('notice: started as node lolek');
    expect(readFileSync(n.logFile, 'utf8')).not.toContain('started as node lolek');
  });

  it('with a peer name that does not resolve: starts, heartbeats the peers that resolve, and retries the name', async (context) => {
    // A first label of 64 characters: longer than DNS allows, so the lookup fails locally (no query).
    const unresolvable = `${'x'.repeat(64)}.invalid`;
    const watchdog = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => watchdog.bind(0, '127.0.0.1', resolve));
    const heard = new Promise<void>((resolve) => watchdog.once('message', () => resolve()));
    try {
      const watchdogPort = watchdog.address().port;
      const n = await node(context, { lolekRemotes: [`${unresolvable}:9`, `127.0.0.1:${watchdogPort}`], watchdogPort });
      const { pid } = await startInBackground(n);
      const retried = new RegExp(`cannot resolve peer '${unresolvable}' \\(\\w+\\): still without it; trying again in 2 s`);
      await waitFor('the retry in the log', () => retried.test(readOrEmpty(n.logFile)));
      const log = readFileSync(n.logFile, 'utf8');
      expect(log).toMatch(new RegExp(`warning: cannot resolve peer '${unresolvable}' \\(\\w+\\): running without it for now; trying again in 1 s`));
      expect(log).toContain(`notice: started as node lolek, pid ${pid}`);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), LOG_BOUND_MS)));
      expect(await Promise.race([heard, late]).finally(() => clearTimeout(timer))).not.toBe('late');
    } finally {
      await new Promise<void>((resolve) => watchdog.close(resolve));
    }
  });
});

describe.concurrent('under systemd (JOURNAL_STREAM names stderr)', () => {
  /** A file as stderr, and JOURNAL_STREAM naming it, as systemd names the journal's socket. */
  function journalFile(n: Node): { fd: number; path: string; env: NodeJS.ProcessEnv } {
    const path = join(n.dir, 'journal');
    const fd = openSync(path, 'w');
    const stats = fstatSync(fd, { bigint: true });
    return { fd, path, env: { JOURNAL_STREAM: `${stats.dev}:${stats.ino}` } };
  }

  it('prefixes every line on stderr with its syslog priority, refusals as errors', async (context) => {
    const n = await node(context);
    rmSync(n.script);
    const journal = journalFile(n);
    const child = spawn(process.execPath, [HASTMON_BIN, '-F', ...n.flags], { env: daemonEnvironment(journal.env), stdio: ['ignore', 'ignore', journal.fd] });
    closeSync(journal.fd);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(EX_CONFIG);
    expect(readFileSync(journal.path, 'utf8')).toBe(`<3>hastmon: resource daemon: ${n.script}: does not exist\n`);
  });

  it("prefixes the daemon's log lines with their priorities instead of a time", async (context) => {
    const n = await node(context);
    const journal = journalFile(n);
    const child = spawn(process.execPath, [HASTMON_BIN, '-F', ...n.flags], { env: daemonEnvironment(journal.env), stdio: ['ignore', 'ignore', journal.fd] });
    closeSync(journal.fd);
    const pid = child.pid as number;
    n.scope.daemons.add(pid);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor('the start in the journal', () => readOrEmpty(journal.path).includes(`<5>notice: started as node lolek, pid ${pid}\n`));
    const noFile = await hastmonctl(['-s', n.socket, 'reopen-log']);
    expect(noFile).toMatchObject({ code: EX_UNAVAILABLE, stderr: 'hastmonctl: not logging to a file (-L): nothing to reopen\n' });
    process.kill(pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), EXIT_BOUND_MS)));
    expect(await Promise.race([exited, late]).finally(() => clearTimeout(timer))).toBe(0);
    const lines = readFileSync(journal.path, 'utf8').trimEnd().split('\n');
    expect(lines.some((line) => line.startsWith('<4>warning: resource daemon has two nodes and no watchdog: '))).toBe(true);
    expect(lines).toContain('<5>notice: exiting');
    for (const line of lines) expect(line).toMatch(/^<[3-7]>(error|warning|notice|info|debug): /);
  });
});
