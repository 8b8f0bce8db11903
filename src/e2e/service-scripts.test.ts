// The example scripts, run as real processes the way hastmon runs them: from /, stdin from
// /dev/null, each in its own process group, with hastmon's environment. Every process a test
// starts is killed by pid in afterAll; every wait is bounded. Tests use pid files, ports and
// directories of their own, so they run concurrently; the ipaddr tests share one namespace and
// run one after another.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scriptsDir = join(root, 'service_scripts');
const helper = (name: string): string => join(scriptsDir, name);
const template = (name: string): string => join(root, 'bin', name);
const HELPERS = ['daemon', 'ipaddr', 'httpcheck', 'httpd', 'hasrv'];
const TEMPLATES = ['starthasrv', 'monitorhasrv', 'stophasrv'];
const scriptFile = (name: string): string => (TEMPLATES.includes(name) ? template(name) : helper(name));

const work = mkdtempSync(join(tmpdir(), 'hastmon-scripts-'));
/** Every process the tests start carries this in its environment, so cleanup can tell ours from a reused pid. */
const tokenEnv = { HASTMON_SCRIPTS_TEST: randomBytes(8).toString('hex') };
const TOKEN = `HASTMON_SCRIPTS_TEST=${tokenEnv.HASTMON_SCRIPTS_TEST}`;
/** Pids of what the tests started; afterAll kills those still alive, with their groups. */
const started = new Set<number>();

function startedByUs(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\u0000').includes(TOKEN);
  } catch {
    return false;
  }
}

afterAll(() => {
  // Pid files a failed test left behind name processes too.
  for (const entry of readdirSync(work, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(work, entry), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) started.add(pid);
  }
  for (const pid of started) {
    if (!isAlive(pid) || !startedByUs(pid)) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Not a group leader, or already gone.
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a script like hastmon does; rejects, after killing its group, if it has not exited and closed its output in time. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const begun = Date.now();
    const child = spawn(file, args, {
      cwd: '/',
      env: { ...process.env, ...tokenEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // 'close' also waits for the output pipes: a program left holding them would hang here.
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killQuietly(-child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      reject(new Error(`${file} ${args.join(' ')}: not finished within ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - begun });
    });
  });
}

function killQuietly(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, …]; null when there is no such process. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** A zombie is dead, though kill(pid, 0) still finds it until someone reaps it. */
function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat[0] !== 'Z';
}

function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^[0-9]+$/.test(entry))
    .map(Number)
    .filter((pid) => procStat(pid)?.[2] === String(pgid) && isAlive(pid));
}

/** Reads the pid a script recorded, and remembers it for cleanup. */
function pidIn(pidFile: string): number {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  expect(Number.isInteger(pid) && pid > 1).toBe(true);
  started.add(pid);
  return pid;
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET 127.0.0.1:${port}${path}: no answer in 5 s`)));
    request.on('error', reject);
  });
}

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

function writeScript(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

describe.concurrent('every script is a POSIX sh program an operator can read and run', () => {
  it.each([...HELPERS, ...TEMPLATES])('%s', (name) => {
    const file = scriptFile(name);
    expect(statSync(file).mode & 0o777).toBe(0o755);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    // The header says how to run it by hand.
    expect(text).toMatch(/^# By hand/m);
    // Common bashisms: [[ ]], function, local, $'…', <<<, &>, ${x//…}, source, echo -e, pipefail, $RANDOM.
    const code = text
      .split('\n')
      .filter((line) => !/^\s*#/.test(line))
      .join('\n');
    expect(code).not.toMatch(/\[\[|\bfunction\s|\blocal\s|\$'|<<<|&>|\$\{[^}]*\/\/|\bsource\s|echo -e|pipefail|\$RANDOM/);
    // dash is /bin/sh here: it parses strictly POSIX syntax.
    const parse = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
    expect(parse.stderr).toBe('');
    expect(parse.status).toBe(0);
  });

  it.each([
    ['daemon', []],
    ['daemon', ['restart', join(work, 'x.pid'), 'sleep', '1']],
    ['daemon', ['start', join(work, 'x.pid')]],
    ['ipaddr', ['start', '192.0.2.1', 'eth0']],
    ['ipaddr', ['start', '192.0.2.1/24']],
    ['ipaddr', ['up', '192.0.2.1/24', 'eth0']],
    ['httpcheck', []],
    ['httpcheck', ['ftp://127.0.0.1/']],
    ['httpcheck', ['http://127.0.0.1/', 'soon']],
    ['httpd', ['start']],
    ['httpd', ['start', '70000']],
    ['httpd', ['status', '8080', 'extra']],
    ['hasrv', []],
    ['hasrv', ['start']],
    ['hasrv', ['reload', 'service']],
    ['starthasrv', ['now']],
    ['monitorhasrv', ['-v']],
    ['stophasrv', ['all']],
  ] as const)('%s %j exits non-zero with a usage line', async (name, args) => {
    const result = await run(scriptFile(name), args);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(new RegExp(`^usage: ${name} `, 'm'));
  });
});

describe.concurrent('service_scripts/daemon', () => {
  const daemon = helper('daemon');

  it('starts a program detached in its own session, leaves it alone on a second start, stops it, and stays stopped', async () => {
    const pidFile = join(work, 'sleep.pid');
    const start = await run(daemon, ['start', pidFile, 'sleep', '300']);
    expect(start.code).toBe(0);
    expect(start.ms).toBeLessThan(5_000);
    const pid = pidIn(pidFile);
    expect(isAlive(pid)).toBe(true);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u0000300\u0000');
    // Its own process group and session: killing the caller's group (a script timeout) spares it.
    expect(procStat(pid)?.slice(2, 4)).toEqual([String(pid), String(pid)]);

    expect(await run(daemon, ['status', pidFile, 'sleep', '300'])).toMatchObject({ code: 0, stdout: `daemon: running (pid ${pid})\n` });
    expect((await run(daemon, ['status', pidFile, 'sleep'])).code).toBe(0);
    expect((await run(daemon, ['status', pidFile])).code).toBe(0);

    const again = await run(daemon, ['start', pidFile, 'sleep', '300']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already running/);
    expect(pidIn(pidFile)).toBe(pid);

    const stop = await run(daemon, ['stop', pidFile, 'sleep', '300']);
    expect(stop.code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
    expect((await run(daemon, ['status', pidFile, 'sleep', '300'])).code).toBe(1);
    expect((await run(daemon, ['stop', pidFile, 'sleep', '300'])).code).toBe(0);
  });

  it('treats a pid file naming a dead process, or no pid, as stopped, and starts over it', async () => {
    const pidFile = join(work, 'stale.pid');
    const deadPid = spawnSync('true').pid;
    expect(isAlive(deadPid)).toBe(false);
    writeFileSync(pidFile, `${deadPid}\n`);

    const status = await run(daemon, ['status', pidFile, 'sleep', '300']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/stale pid file .*is gone/);
    expect((await run(daemon, ['stop', pidFile, 'sleep', '300'])).code).toBe(0);
    expect(existsSync(pidFile)).toBe(false);

    writeFileSync(pidFile, 'not a pid\n');
    expect((await run(daemon, ['status', pidFile])).code).toBe(1);
    const start = await run(daemon, ['start', pidFile, 'sleep', '300']);
    expect(start.code).toBe(0);
    expect(start.stderr).toMatch(/replacing stale pid file/);
    const pid = pidIn(pidFile);
    expect(isAlive(pid)).toBe(true);
    expect((await run(daemon, ['stop', pidFile])).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('never takes a pid reused by another program for its own, and never kills it', async () => {
    const other = spawn('sleep', ['301'], { stdio: 'ignore', env: { ...process.env, ...tokenEnv } });
    const otherPid = other.pid;
    if (otherPid === undefined) throw new Error('sleep did not start');
    started.add(otherPid);
    const pidFile = join(work, 'reused.pid');
    writeFileSync(pidFile, `${otherPid}\n`);

    const status = await run(daemon, ['status', pidFile, 'sleep', '300']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/now runs another program/);
    expect((await run(daemon, ['stop', pidFile, 'sleep', '300'])).code).toBe(0);
    expect(isAlive(otherPid)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
    other.kill('SIGKILL');
  });

  it('recognises a script run through its #! interpreter', async () => {
    const loop = writeScript(join(work, 'loop.sh'), '#!/bin/sh\nwhile :; do sleep 1; done\n');
    const pidFile = join(work, 'loop.pid');
    expect((await run(daemon, ['start', pidFile, loop])).code).toBe(0);
    const pid = pidIn(pidFile);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe(`/bin/sh\u0000${loop}\u0000`);
    expect((await run(daemon, ['status', pidFile, loop])).code).toBe(0);
    expect((await run(daemon, ['stop', pidFile, loop])).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('sends KILL to the whole group when TERM is ignored for DAEMON_STOP_TIMEOUT seconds', async () => {
    const pidFile = join(work, 'stubborn.pid');
    const env = { DAEMON_STOP_TIMEOUT: '1' };
    const command = ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'];
    expect((await run(daemon, ['start', pidFile, ...command], env)).code).toBe(0);
    const pid = pidIn(pidFile);
    const stop = await run(daemon, ['stop', pidFile, ...command], env);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(/still running 1s after TERM; sending KILL/);
    expect(stop.ms).toBeGreaterThanOrEqual(900);
    expect(stop.ms).toBeLessThan(8_000);
    expect(isAlive(pid)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('appends the output to a log beside the pid file, or to DAEMON_LOG', async () => {
    const pidFile = join(work, 'talker.pid');
    const command = ['sh', '-c', 'echo hello from the daemon; exec sleep 300'];
    expect((await run(daemon, ['start', pidFile, ...command])).code).toBe(0);
    pidIn(pidFile);
    expect(readFileSync(join(work, 'talker.log'), 'utf8')).toBe('hello from the daemon\n');
    expect((await run(daemon, ['stop', pidFile])).code).toBe(0);

    const log = join(work, 'logs', 'elsewhere.log');
    expect((await run(daemon, ['start', pidFile, ...command], { DAEMON_LOG: log })).code).toBe(0);
    pidIn(pidFile);
    expect(readFileSync(log, 'utf8')).toBe('hello from the daemon\n');
    expect((await run(daemon, ['stop', pidFile])).code).toBe(0);
  });

  it('fails a start whose program exits at once, shows why, and leaves no pid file', async () => {
    const pidFile = join(work, 'broken.pid');
    const start = await run(daemon, ['start', pidFile, 'sh', '-c', 'echo cannot bind >&2; exit 3']);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/exited at once/);
    expect(start.stderr).toMatch(/cannot bind/);
    expect(existsSync(pidFile)).toBe(false);
  });
});

describe.concurrent('service_scripts/httpcheck', () => {
  const httpcheck = helper('httpcheck');
  let server: Server;
  let port = 0;
  let closedPort = 0;

  beforeAll(async () => {
    // /hang never answers; /NNN answers status NNN.
    server = createServer((request, response) => {
      if (request.url === '/hang') return;
      const status = Number(request.url?.slice(1)) || 200;
      response.writeHead(status, { Location: '/200' }).end('body\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    closedPort = await freePort();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const client of ['curl', 'wget', 'node'] as const) {
    it.skipIf(!onPath(client))(`with ${client}: 2xx and 3xx succeed, 4xx, 5xx, no server and no answer in time fail`, async () => {
      const check = (path: string, targetPort = port, timeout = '3'): Promise<Run> =>
        run(httpcheck, [`http://127.0.0.1:${targetPort}${path}`, timeout], { HTTPCHECK_CLIENT: client });
      expect(await check('/200')).toMatchObject({ code: 0, stdout: `httpcheck: http://127.0.0.1:${port}/200 answered 200\n` });
      expect((await check('/204')).code).toBe(0);
      expect((await check('/302')).code).toBe(0);
      expect(await check('/404')).toMatchObject({ code: 1, stderr: `httpcheck: http://127.0.0.1:${port}/404 answered 404\n` });
      expect((await check('/500')).code).toBe(1);
      expect((await check('/', closedPort)).code).toBe(1);
      const hang = await check('/hang', port, '1');
      expect(hang.code).toBe(1);
      expect(hang.ms).toBeLessThan(5_000);
    });
  }

  it('picks a client by itself, and refuses one it does not know', async () => {
    expect((await run(httpcheck, [`http://127.0.0.1:${port}/`])).code).toBe(0);
    const unknown = await run(httpcheck, [`http://127.0.0.1:${port}/`], { HTTPCHECK_CLIENT: 'lynx' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/must be curl, wget or node/);
  });
});

describe.concurrent('service_scripts/httpd', () => {
  const httpd = helper('httpd');
  const httpcheck = helper('httpcheck');
  const runDir = join(work, 'httpd-run');
  mkdirSync(runDir, { recursive: true });
  const env = { HASTMON_RUNDIR: runDir, HASTMON_NODE: 'lolek' };

  it('serves its text, is seen by httpcheck and status, and after stop neither sees it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    expect((await run(httpd, ['status', String(port)], env)).code).toBe(1);

    const start = await run(httpd, ['start', String(port), 'hello from the cluster'], env);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(new RegExp(`serving on ${url}`));
    const pidFile = join(runDir, `hastmon-httpd-${port}.pid`);
    const pid = pidIn(pidFile);

    expect(await httpGet(port)).toEqual({ status: 200, body: 'hello from the cluster\n' });
    expect(await httpGet(port, '/any/path')).toEqual({ status: 200, body: 'hello from the cluster\n' });
    expect((await run(httpcheck, [url])).code).toBe(0);
    expect(await run(httpd, ['status', String(port)], env)).toMatchObject({ code: 0, stdout: `httpd: running and answering on ${url}\n` });
    expect((await run(httpd, ['start', String(port), 'hello from the cluster'], env)).code).toBe(0);
    expect(pidIn(pidFile)).toBe(pid);

    expect((await run(httpd, ['stop', String(port)], env)).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect((await run(httpcheck, [url, '2'])).code).toBe(1);
    expect((await run(httpd, ['status', String(port)], env)).code).toBe(1);
    expect((await run(httpd, ['stop', String(port)], env)).code).toBe(0);
  });

  it('names HASTMON_NODE in its default text', async () => {
    const port = await freePort();
    expect((await run(httpd, ['start', String(port)], env)).code).toBe(0);
    pidIn(join(runDir, `hastmon-httpd-${port}.pid`));
    expect(await httpGet(port)).toEqual({ status: 200, body: 'hastmon demo service on lolek\n' });
    expect((await run(httpd, ['stop', String(port)], env)).code).toBe(0);
  });

  it('fails to start on a port another web server holds, though that one answers, and leaves nothing behind', async () => {
    const other = createServer((_request, response) => response.end('another server\n'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as AddressInfo;
    // A node that takes a second to start, so that the other server is asked before ours fails.
    const slowDir = join(work, 'slow-node');
    mkdirSync(slowDir, { recursive: true });
    const slowNode = writeScript(join(slowDir, 'node'), `#!/bin/sh\nsleep 1\nexec ${process.execPath} "$@"\n`);
    try {
      for (const node of [process.execPath, slowNode]) {
        const start = await run(httpd, ['start', String(port)], { ...env, NODE: node });
        expect(start.code).toBe(1);
        expect(start.stderr).toMatch(/EADDRINUSE/);
        expect(existsSync(join(runDir, `hastmon-httpd-${port}.pid`))).toBe(false);
        expect((await run(httpd, ['status', String(port)], { ...env, NODE: node })).code).toBe(1);
      }
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('status is 2, a failure, when the process is there but does not answer', async () => {
    const port = await freePort();
    expect((await run(httpd, ['start', String(port)], env)).code).toBe(0);
    const pid = pidIn(join(runDir, `hastmon-httpd-${port}.pid`));
    process.kill(pid, 'SIGSTOP');
    try {
      const status = await run(httpd, ['status', String(port)], { ...env, HTTPD_CHECK_TIMEOUT: '1' });
      expect(status.code).toBe(2);
      expect(status.stderr).toMatch(/running but not answering/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await run(httpd, ['stop', String(port)], env)).code).toBe(0);
  });
});

describe.concurrent("FreeHA's templates bin/starthasrv, bin/monitorhasrv, bin/stophasrv", () => {
  const runDir = join(work, 'templates-run');
  mkdirSync(runDir, { recursive: true });
  /** What hastmon gives a script: its environment, and PATH with service_scripts/ first. */
  const hastmonEnv = (port: number): NodeJS.ProcessEnv => ({
    PATH: `${scriptsDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HASTMON_RESOURCE: 'service',
    HASTMON_NODE: 'bolek',
    HASTMON_EVENT: 'start',
    HASTMON_PEERS: 'lolek reksio',
    HASTMON_HTTP_PORT: String(port),
    HASTMON_RUNDIR: runDir,
  });

  it('start, monitor and stop the demo service, and repeating any of them is harmless', async () => {
    const port = await freePort();
    const env = hastmonEnv(port);
    expect((await run(template('monitorhasrv'), [], env)).code).toBe(1);
    expect((await run(template('stophasrv'), [], env)).code).toBe(0);

    expect((await run(template('starthasrv'), [], env)).code).toBe(0);
    const pid = pidIn(join(runDir, `hastmon-httpd-${port}.pid`));
    expect(await httpGet(port)).toEqual({ status: 200, body: 'hastmon demo service on bolek\n' });
    // Quiet when all is well: hastmon would log its output every monitor interval.
    expect(await run(template('monitorhasrv'), [], env)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await run(template('starthasrv'), [], env)).code).toBe(0);
    expect(pidIn(join(runDir, `hastmon-httpd-${port}.pid`))).toBe(pid);

    expect((await run(template('stophasrv'), [], env)).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect((await run(template('monitorhasrv'), [], env)).code).toBe(1);
    expect((await run(template('stophasrv'), [], env)).code).toBe(0);
  });

  it('monitorhasrv exits 2, a failure, when the service runs but does not answer', async () => {
    const port = await freePort();
    const env = hastmonEnv(port);
    expect((await run(template('starthasrv'), [], env)).code).toBe(0);
    const pid = pidIn(join(runDir, `hastmon-httpd-${port}.pid`));
    process.kill(pid, 'SIGSTOP');
    try {
      const monitor = await run(template('monitorhasrv'), [], { ...env, HTTPD_CHECK_TIMEOUT: '1' });
      expect(monitor.code).toBe(2);
      expect(monitor.stderr).toMatch(/0 part\(s\) running, 0 stopped, 1 failed/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await run(template('stophasrv'), [], env)).code).toBe(0);
  });

  it('run by hand without service_scripts on PATH, use the helpers next to bin/ and pass over programs that merely share their names', async () => {
    const port = await freePort();
    const foreign = join(work, 'foreign-bin');
    mkdirSync(foreign, { recursive: true });
    const called = join(work, 'foreign-called');
    for (const name of ['httpd', 'daemon', 'httpcheck']) {
      writeScript(join(foreign, name), `#!/bin/sh\necho "$0 $*" >> ${called}\nexit 0\n`);
    }
    const env = { PATH: `${foreign}:${process.env.PATH ?? '/usr/bin:/bin'}`, HASTMON_HTTP_PORT: String(port), HASTMON_RUNDIR: runDir };

    expect((await run(template('starthasrv'), [], env)).code).toBe(0);
    const pid = pidIn(join(runDir, `hastmon-httpd-${port}.pid`));
    expect((await httpGet(port)).status).toBe(200);
    expect((await run(template('monitorhasrv'), [], env)).code).toBe(0);
    expect((await run(template('stophasrv'), [], env)).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(called)).toBe(false);
  });

  it('prefer a hastmon helper found on PATH to the one next to bin/', async () => {
    const port = await freePort();
    const override = join(work, 'override-bin');
    mkdirSync(override, { recursive: true });
    const called = join(work, 'override-called');
    writeScript(join(override, 'httpd'), `#!/bin/sh\n# hastmon helper: httpd stand-in\necho "$*" >> ${called}\nexit 0\n`);
    const env = { PATH: `${override}:${process.env.PATH ?? '/usr/bin:/bin'}`, HASTMON_HTTP_PORT: String(port), HASTMON_RUNDIR: runDir };

    expect((await run(template('starthasrv'), [], env)).code).toBe(0);
    expect((await run(template('monitorhasrv'), [], env)).code).toBe(0);
    expect((await run(template('stophasrv'), [], env)).code).toBe(0);
    expect(readFileSync(called, 'utf8')).toBe(`start ${port}\nstatus ${port}\nstop ${port}\n`);
    expect(existsSync(join(runDir, `hastmon-httpd-${port}.pid`))).toBe(false);
  });

  it("service_scripts/hasrv runs the same service as HASTMON's exec script, and every notification exits 0", async () => {
    const port = await freePort();
    const env = hastmonEnv(port);
    const hasrv = helper('hasrv');
    expect((await run(hasrv, ['status', 'service'], env)).code).toBe(1);
    expect((await run(hasrv, ['start', 'service'], env)).code).toBe(0);
    const pid = pidIn(join(runDir, `hastmon-httpd-${port}.pid`));
    expect(await httpGet(port)).toEqual({ status: 200, body: 'hastmon demo service on bolek\n' });
    expect((await run(hasrv, ['status', 'service'], env)).code).toBe(0);
    for (const notification of [
      ['role', 'service', 'secondary', 'primary'],
      ['connect', 'service', 'tcp4://lolek'],
      ['disconnect', 'service', 'tcp4://lolek'],
      ['complain', 'service', 'tcp4://reksio'],
    ]) {
      expect(await run(hasrv, notification, env)).toMatchObject({ code: 0, stdout: `hasrv: ${notification.join(' ')}\n` });
    }
    expect((await run(hasrv, ['stop', 'service'], env)).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect((await run(hasrv, ['status', 'service'], env)).code).toBe(1);
  });
});

type NetnsProbe = { available: true } | { available: false; reason: string };

/** Whether this machine lets us make network namespaces: decided while collecting, so that skipped tests say why. */
function probeNetns(): NetnsProbe {
  const name = `hastmon-test-${randomBytes(4).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8', timeout: 10_000 });
  if (add.error !== undefined) return { available: false, reason: `cannot run ip: ${add.error.message}` };
  if (add.status !== 0) return { available: false, reason: add.stderr.trim() || `ip netns add exited ${String(add.status)}` };
  spawnSync('ip', ['netns', 'delete', name], { timeout: 10_000 });
  return { available: true };
}

const netns = probeNetns();
if (!netns.available) {
  console.warn(`service-scripts.test.ts: ipaddr tests SKIPPED, network namespaces are not available here: ${netns.reason}`);
}

describe(`service_scripts/ipaddr, only inside a network namespace of its own${netns.available ? '' : ` (SKIPPED: ${netns.reason})`}`, () => {
  const namespace = `hastmon-test-${randomBytes(4).toString('hex')}`;
  const device = 'hm0';
  const address = '192.0.2.77/24';
  const arpingLog = join(work, 'arping.log');
  const arping = join(work, 'arping');
  const inNamespace = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> =>
    run('ip', ['netns', 'exec', namespace, helper('ipaddr'), ...args], env);
  const addressesInNamespace = (): string =>
    spawnSync('ip', ['netns', 'exec', namespace, 'ip', '-o', 'addr', 'show', 'dev', device], { encoding: 'utf8' }).stdout;

  beforeAll(() => {
    if (!netns.available) return;
    const add = spawnSync('ip', ['netns', 'add', namespace], { encoding: 'utf8', timeout: 10_000 });
    if (add.status !== 0) throw new Error(`ip netns add ${namespace}: ${add.stderr}`);
    // A dummy device where the kernel has them, else one end of a veth pair; both exist only in the namespace.
    const link = (...type: string[]) =>
      spawnSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'add', device, 'type', ...type], { encoding: 'utf8', timeout: 10_000 });
    const made = link('dummy').status === 0 || link('veth', 'peer', 'name', `${device}p`).status === 0;
    if (!made) throw new Error(`cannot create a dummy or veth device in ${namespace}`);
    writeScript(arping, `#!/bin/sh\necho "$*" >> ${arpingLog}\n`);
  });

  afterAll(() => {
    if (!netns.available) return;
    spawnSync('ip', ['netns', 'delete', namespace], { timeout: 10_000 });
  });

  it.skipIf(!netns.available)('adds the address once and announces it, removes it, and repeating either is harmless', async () => {
    const env = { ARPING: arping };
    expect(await inNamespace(['status', address, device], env)).toMatchObject({ code: 1, stdout: `ipaddr: ${address} not on ${device}\n` });

    expect((await inNamespace(['start', address, device], env)).code).toBe(0);
    expect((await inNamespace(['start', address, device], env)).code).toBe(0);
    expect(addressesInNamespace().split(' 192.0.2.77/24 ').length - 1).toBe(1);
    expect(readFileSync(arpingLog, 'utf8')).toBe(`-U -c 3 -I ${device} 192.0.2.77\n`.repeat(2));
    expect((await inNamespace(['status', address, device], env)).code).toBe(0);
    // The machine's own interfaces never see it.
    expect(spawnSync('ip', ['-o', 'addr'], { encoding: 'utf8' }).stdout).not.toContain('192.0.2.77');

    expect((await inNamespace(['stop', address, device], env)).code).toBe(0);
    expect(addressesInNamespace()).not.toContain('192.0.2.77');
    expect((await inNamespace(['status', address, device], env)).code).toBe(1);
    expect((await inNamespace(['stop', address, device], env)).code).toBe(0);
  });

  it.skipIf(!netns.available)('without arping it still adds the address, and says the announcement was skipped', async () => {
    const start = await inNamespace(['start', address, device], { ARPING: join(work, 'no-such-arping') });
    expect(start.code).toBe(0);
    expect(start.stderr).toMatch(/no-such-arping not found; gratuitous ARP for 192\.0\.2\.77 on hm0 skipped/);
    expect((await inNamespace(['status', address, device])).code).toBe(0);
    expect((await inNamespace(['stop', address, device])).code).toBe(0);
  });

  it.skipIf(!netns.available)('handles an IPv6 address, which needs no ARP', async () => {
    const v6 = '2001:db8::77/64';
    rmSync(arpingLog, { force: true });
    expect((await inNamespace(['start', v6, device], { ARPING: arping })).code).toBe(0);
    expect(existsSync(arpingLog)).toBe(false);
    expect((await inNamespace(['status', v6, device])).code).toBe(0);
    expect((await inNamespace(['status', '2001:DB8::77/64', device])).code).toBe(0);
    expect((await inNamespace(['stop', v6, device])).code).toBe(0);
    expect((await inNamespace(['status', v6, device])).code).toBe(1);
  });

  it.skipIf(!netns.available)('fails, rather than guesses, on a device that does not exist', async () => {
    expect((await inNamespace(['status', address, 'nosuch0'])).code).toBe(2);
    expect((await inNamespace(['start', address, 'nosuch0'])).code).toBe(1);
    expect((await inNamespace(['stop', address, 'nosuch0'])).code).toBe(1);
  });
});
