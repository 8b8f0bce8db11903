// hastmon -F under a stand-in for systemd: a datagram socket bound by a tiny python3 program (Node
// cannot bind AF_UNIX SOCK_DGRAM), which prints each message it receives, with the time and the
// sender's credentials, as one line. One daemon, alone in its cluster, holds one resource.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HASTMON_BIN, daemonEnvironment, freePort, isGone, runHastmonctl, signalQuietly, sleep } from './processes.js';

/** Binds the socket, then prints `TIME_MS PID MESSAGE` per datagram (newlines as spaces); bounded in time. */
const LISTENER = `
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print("bound", flush=True)
s.settimeout(1)
end = time.time() + 90
while time.time() < end:
    try:
        data, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        continue
    pid = 0
    for level, kind, cdata in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", cdata)[0]
    print(int(time.time() * 1000), pid, data.decode("utf-8", "replace").replace("\\n", " "), flush=True)
`;

/** The resource: the first status (the start-up probe) is slow and leaves its times; start saves its environment. */
const SCRIPT = (dir: string): string => `#!/bin/sh
case $1 in
start)  env > ${dir}/start.env; touch ${dir}/running ;;
stop)   rm -f ${dir}/running ;;
status) if [ ! -e ${dir}/probed ]; then
          date +%s%3N > ${dir}/probe.begin; sleep 1.5; date +%s%3N > ${dir}/probed
        fi
        [ -e ${dir}/running ] ;;
*)      exit 0 ;;
esac
`;

interface Message {
  at: number;
  pid: number;
  text: string;
}

let dir: string;
let listener: ChildProcess | undefined;
let daemon: ChildProcess | undefined;
let messages: Message[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hastmon-notify-'));
  messages = [];
});

afterEach(async () => {
  for (const child of [daemon, listener]) if (child?.pid !== undefined && !isGone(child.pid)) signalQuietly(child.pid, 'SIGKILL');
  await sleep(50);
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(what: string, condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms; messages: ${messages.map((m) => m.text).join(' | ')}`);
    await sleep(25);
  }
}

async function startListener(socket: string): Promise<void> {
  const child = spawn('python3', ['-c', LISTENER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  listener = child;
  let bound = false;
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'bound') bound = true;
      const m = /^(\d+) (\d+) (.*)$/.exec(line);
      if (m !== null) messages.push({ at: Number(m[1]), pid: Number(m[2]), text: m[3] ?? '' });
    }
  });
  await waitFor('the fake notify socket', () => bound, 10_000);
}

describe('hastmon -F with NOTIFY_SOCKET set', () => {
  it('says READY=1 once it answers and has probed, STATUS= with what it holds, WATCHDOG=1 again and again, STOPPING=1 on TERM', async () => {
    const socket = join(dir, 'notify');
    await startListener(socket);
    const script = join(dir, 'daemon.sh');
    writeFileSync(script, SCRIPT(dir), { mode: 0o755 });
    const control = join(dir, 'ctl.sock');
    const config = join(dir, 'hastmon.conf');
    writeFileSync(
      config,
      [
        `on solo {`,
        `  listen 127.0.0.1:${await freePort()}`,
        `  control ${control}`,
        `  state_file ${join(dir, 'solo.state')}`,
        `}`,
        `resource daemon {`,
        `  exec ${script}`,
        `  on solo {`,
        `    remote tcp4://127.0.0.1:${await freePort()}`,
        `  }`,
        `}`,
        '',
      ].join('\n'),
    );
    const env = daemonEnvironment({ NOTIFY_SOCKET: socket, WATCHDOG_USEC: '200000' });
    daemon = spawn(process.execPath, [HASTMON_BIN, '-F', '-c', config, '-N', 'solo', '-P', join(dir, 'solo.pid')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    daemon.stderr?.setEncoding('utf8');
    daemon.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const pid = daemon.pid ?? 0;

    // Ask the daemon its state until READY=1 arrives: it answers before then, still INITIAL.
    const answers: Array<{ at: number; state: string }> = [];
    const ready = (): Message | undefined => messages.find((m) => m.text.includes('READY=1'));
    for (let i = 0; i < 200 && ready() === undefined; i++) {
      const run = await runHastmonctl(control, ['status', '--json'], 5_000);
      if (run.code === 0) answers.push({ at: Date.now(), state: (JSON.parse(run.stdout) as { resources: Array<{ state: string }> }).resources[0]?.state ?? '' });
      await sleep(100);
    }
    const readyMessage = ready();
    expect(readyMessage, stderr).toBeDefined();
    const readyAt = readyMessage?.at ?? 0;
    expect(answers.filter((a) => a.at < readyAt).map((a) => a.state)).toContain('INITIAL');
    const probed = Number(readFileSync(join(dir, 'probed'), 'utf8'));
    expect(readyAt).toBeGreaterThanOrEqual(probed);
    expect(messages.filter((m) => m.at < readyAt).every((m) => m.text === 'MAINPID=' + String(pid) + ' WATCHDOG=1')).toBe(true);
    // The messages speak for the daemon: its pid, in the text and (as root) in the credentials.
    expect(readyMessage?.text).toMatch(new RegExp(`^MAINPID=${pid} READY=1 STATUS=\\S`));
    if (process.getuid?.() === 0) expect(readyMessage?.pid).toBe(pid);

    await waitFor('STATUS=holding daemon', () => messages.some((m) => m.text === `MAINPID=${pid} STATUS=holding daemon`));
    const statuses = messages.filter((m) => m.text.includes('STATUS=')).map((m) => m.text.replace(/^.*STATUS=/, ''));
    for (let i = 1; i < statuses.length; i++) expect(statuses[i], 'sent only on change').not.toBe(statuses[i - 1]);

    const pings = (): number => messages.filter((m) => m.text === `MAINPID=${pid} WATCHDOG=1`).length;
    const before = pings();
    await waitFor('three more watchdog pings', () => pings() >= before + 3, 10_000);

    const env0 = readFileSync(join(dir, 'start.env'), 'utf8');
    expect(env0).toContain('HASTMON_RESOURCE=daemon');
    expect(env0).not.toMatch(/^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=/m);

    process.kill(pid, 'SIGTERM');
    await waitFor('STOPPING=1', () => messages.some((m) => m.text.startsWith(`MAINPID=${pid} STOPPING=1`)));
    await waitFor('the daemon to exit', () => isGone(pid), 20_000);
    expect(existsSync(join(dir, 'running'))).toBe(false);
  });
});
