// Idle cost benchmark: a three-node unicast cluster on loopback (two service nodes and a watchdog)
// settles, then each daemon's CPU time and memory are read from /proc over a measuring window.
// Beside it, three bare Node processes exchange datagrams of the same size at the same rate, each
// on one UDP socket: what Node itself costs, the floor the daemon cannot go below.
//
// Figures, per process:
//   cpu %     CPU time of all its threads (/proc/PID/task/*/schedstat, nanoseconds) over the window
//   ticks %   the same from /proc/PID/stat (utime + stime, clock ticks: coarse at low load)
//   us/dgram  that CPU time divided by the datagrams it sent and received in the window
//   rss MB    VmRSS at the end of the window
//
// Usage: npm run build && tsx bench/idle.ts [--seconds N] [--timing 200ms/1s/1s]   (Linux only)
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Cluster } from '../src/e2e/cluster.js';
import { freePort, sleep } from '../src/e2e/processes.js';
import { parseBenchTiming } from './timing-arg.js';

const DEFAULT_SECONDS = 30;
/** Left to the cluster after it settles, before the window opens: start-up work is not idling. */
const WARM_UP_MS = 5_000;
/** About the size of a three-node, one-resource heartbeat without a key. */
const BARE_DATAGRAM_BYTES = 120;
const CLOCK_TICKS_PER_SECOND = 100;

interface Sample {
  cpuNs: number;
  ticks: number;
}

function sample(pid: number): Sample {
  let cpuNs = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      cpuNs += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended meanwhile: its time is in neither sample.
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { cpuNs, ticks: Number(fields[11]) + Number(fields[12]) };
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) / 1024;
}

function argument(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index === -1 ? undefined : argv[index + 1];
}

/** A bare Node process: one UDP socket, sending `bytes` to each of `peers` every `intervalMs`, and receiving. */
const BARE_PROGRAM = `
const dgram = require('node:dgram');
const [port, intervalMs, bytes, ...peers] = process.argv.slice(1).map(Number);
const socket = dgram.createSocket('udp4');
const payload = Buffer.alloc(bytes, 1);
socket.on('message', () => {});
socket.bind(port, '127.0.0.1', () => {
  setInterval(() => { for (const p of peers) socket.send(payload, p, '127.0.0.1'); }, intervalMs);
});
`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const seconds = Number(argument(argv, '--seconds') ?? DEFAULT_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600) throw new Error('--seconds expects 1 to 3600');
  const timing = parseBenchTiming(argument(argv, '--timing'));
  const cluster = await Cluster.create({
    transport: 'unicast',
    nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }, { name: 'reksio', watchdog: true }],
    label: 'bench-idle',
    ...(timing === undefined ? {} : { timing }),
  });
  const interval = cluster.heartbeatMs;
  const ports = [await freePort(), await freePort(), await freePort()];
  const bare: ChildProcess[] = ports.map((port) =>
    spawn(process.execPath, ['-e', BARE_PROGRAM, String(port), String(interval), String(BARE_DATAGRAM_BYTES), ...ports.filter((p) => p !== port).map(String)], {
      stdio: 'ignore',
    }),
  );
  try {
    await cluster.startAll();
    await cluster.waitFor('a holder', () => cluster.agreeOn('lolek'), 15_000);
    await sleep(WARM_UP_MS);
    const processes = [
      ...cluster.names.map((name) => ({ label: `hastmon ${name}`, pid: cluster.daemon(name).pid })),
      ...bare.map((child, i) => ({ label: `bare node ${i + 1}`, pid: child.pid ?? 0 })),
    ];
    const before = processes.map((p) => sample(p.pid));
    const startedAt = process.hrtime.bigint();
    await sleep(seconds * 1000);
    const elapsedNs = Number(process.hrtime.bigint() - startedAt);
    const after = processes.map((p) => sample(p.pid));
    // Each process sends to two peers and hears from two, one datagram each per interval.
    const datagrams = ((4 * elapsedNs) / 1e6 / interval);
    process.stdout.write(`idle cost over ${seconds} s, heartbeat ${interval} ms, ${Math.round(datagrams)} datagrams per process (sent + received)\n`);
    processes.forEach((p, i) => {
      const a = after[i] as Sample;
      const b = before[i] as Sample;
      const cpu = (a.cpuNs - b.cpuNs) / elapsedNs;
      const ticks = (a.ticks - b.ticks) / CLOCK_TICKS_PER_SECOND / (elapsedNs / 1e9);
      const perDatagram = (a.cpuNs - b.cpuNs) / 1e3 / datagrams;
      process.stdout.write(
        `${p.label.padEnd(16)} cpu ${(cpu * 100).toFixed(3)} %  ticks ${(ticks * 100).toFixed(2)} %  ${perDatagram.toFixed(1)} us/dgram  rss ${rssMb(p.pid).toFixed(1)} MB\n`,
      );
    });
    return 0;
  } catch (error) {
    process.stderr.write(`bench/idle: ${(error as Error).message}\n${cluster.diagnostics()}\n`);
    return 1;
  } finally {
    for (const child of bare) if (child.pid !== undefined) child.kill('SIGTERM');
    await cluster.destroy();
  }
}

process.exitCode = await main();
