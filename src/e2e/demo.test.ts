// npm start's demo cluster, run as a newcomer would (without a terminal here): it elects lolek,
// fails over when the holder is killed, and Ctrl-C leaves nothing behind.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { etcdForTests } from '../testing/etcd-server.js';
import { ROOT, daemonEnvironment, isGone, signalQuietly, sleep } from './processes.js';

const etcd = etcdForTests();

const DEMO = join(ROOT, 'dist', 'demo', 'demo.js');

/** Processes whose command line or environment names `text` (the demo's directory). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || isGone(pid)) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${pid}/${file}`, 'latin1').includes(text)) found.push(pid);
      } catch {
        // Gone meanwhile, or not ours to read.
      }
    }
  }
  return [...new Set(found)];
}

let demoPid: number | undefined;

afterEach(() => {
  if (demoPid !== undefined && !isGone(demoPid)) signalQuietly(demoPid, 'SIGKILL');
  demoPid = undefined;
});

/** Polls `read` until `done` holds for its value or `ms` pass; returns the last value read. */
async function waitUntil<T>(read: () => T, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

async function waitForOutput(output: () => string, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = output().match(pattern);
    if (match !== null) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms in:\n${output().slice(-2000)}`);
    await sleep(100);
  }
}

describe('npm start', () => {
  it('runs three nodes, fails over when the holder is killed, and Ctrl-C leaves nothing behind', async () => {
    const child = spawn(process.execPath, [DEMO], { env: daemonEnvironment({}), stdio: ['ignore', 'pipe', 'pipe'] });
    demoPid = child.pid;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const dir = (await waitForOutput(() => output, /files: +(\/\S+hastmon-demo-\S+)/, 10_000))[1] ?? '';
    const lolekPid = Number((await waitForOutput(() => output, /pids: +lolek (\d+)/, 10_000))[1]);
    await waitForOutput(() => output, /service answers: hastmon demo service on lolek/, 20_000);
    expect(output).toContain('kill -9 <pid of the holder>');

    process.kill(lolekPid, 'SIGKILL');
    await waitForOutput(() => output, /service answers: hastmon demo service on bolek/, 15_000);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('nothing is left running');
    expect(existsSync(dir)).toBe(false);
    // The demo has waited for its daemons; what they started may take a moment to be reaped.
    const leftover = await waitUntil(() => processesMentioning(dir), (pids) => pids.length === 0, 5_000);
    expect(leftover).toEqual([]);
  });
});

describe.runIf(etcd.failInstead)('npm start -- --etcd', () => {
  it('finds etcd installed where CI runs the tests', () => {
    expect.fail('/usr/bin/etcd is missing: CI must install etcd-server (.ci/run does)');
  });
});

describe.runIf(etcd.run)('npm start -- --etcd', () => {
  it('runs two nodes with a local etcd instead of the watchdog, fails over, and Ctrl-C stops etcd too', async () => {
    const child = spawn(process.execPath, [DEMO, '--etcd'], { env: daemonEnvironment({}), stdio: ['ignore', 'pipe', 'pipe'] });
    demoPid = child.pid;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const dir = (await waitForOutput(() => output, /files: +(\/\S+hastmon-demo-\S+)/, 40_000))[1] ?? '';
    expect(output).toMatch(/two nodes on 127\.0\.0\.1 .* and a local etcd as their third voter, no watchdog/);
    const etcdPid = Number((await waitForOutput(() => output, /etcd: +http:\/\/127\.0\.0\.1:\d+, pid (\d+)/, 10_000))[1]);
    const lolekPid = Number((await waitForOutput(() => output, /pids: +lolek (\d+), bolek \d+$/m, 10_000))[1]);
    expect(output).not.toContain('reksio');
    await waitForOutput(() => output, /service answers: hastmon demo service on lolek/, 20_000);
    await waitForOutput(() => output, /bolek +sees etcd's key: held by lolek/, 10_000);

    process.kill(lolekPid, 'SIGKILL');
    await waitForOutput(() => output, /service answers: hastmon demo service on bolek/, 15_000);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('nothing is left running');
    expect(existsSync(dir)).toBe(false);
    expect(isGone(etcdPid)).toBe(true);
    // etcd's data directory was inside the demo's: no process names it any more.
    const leftover = await waitUntil(() => processesMentioning(dir), (pids) => pids.length === 0, 5_000);
    expect(leftover).toEqual([]);
  });
});
