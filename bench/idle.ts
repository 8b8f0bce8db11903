// Idle cost benchmark: a three-node unicast cluster on loopback (two service nodes and a watchdog)
// settles, then each daemon's CPU time and memory are read from /proc over a measuring window.
// Beside it, three bare Node processes exchange datagrams of the same size at the same rate, each
// on one UDP socket: what Node itself costs, the floor the daemon cannot go below. With --before,
// a second cluster runs another build (its bin/hastmon) at the same time, so that both are
// measured under the same load.
//
// Figures, per process:
//   cpu %     CPU time of all its threads (/proc/PID/task/*/schedstat, nanoseconds) over the window
//   ticks %   the same from /proc/PID/stat (utime + stime, clock ticks: coarse at low load)
//   us/dgram  that CPU time divided by the datagrams it sent and received in the window
//   rss MB    VmRSS at the end of the window
// The holder also runs the monitor script every monitor_interval (a fork and exec each time);
// --no-monitor sets monitor_interval to an hour, to show the daemon's own cost without it.
// The clusters' state files are on tmpfs (/dev/shm), as the default /var/run is on most systems;
// --disk puts them in the system's temporary directory instead.
//
// Usage: npm run build && tsx bench/idle.ts [--seconds N] [--timing 200ms/1s/1s] [--no-monitor]
//        [--disk] [--before DIR] [--node-options "--flag ..."]   (Linux only)
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Cluster } from '../src/e2e/cluster.js';
import { freePort, sleep } from '../src/e2e/processes.js';
import { argument, CLOCK_TICKS_PER_SECOND, loadAverage, rssMb, sampleCpu, tmpfsParent, type CpuSample } from './proc-sample.js';
import { parseBenchTiming } from './timing-arg.js';

const DEFAULT_SECONDS = 30;
/** Left to the cluster after it settles, before the window opens: start-up work is not idling. */
const WARM_UP_MS = 5_000;
/** About the size of a three-node, one-resource heartbeat without a key. */
const BARE_DATAGRAM_BYTES = 120;
/** --no-monitor: the monitor script runs once an hour, never within a window. */
const NO_MONITOR_INTERVAL = '1h';

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

interface Options {
  seconds: number;
  timing: ReturnType<typeof parseBenchTiming>;
  monitor: boolean;
  parentDir: string | undefined;
  before: string | undefined;
  nodeOptions: string[];
}

function parseOptions(argv: string[]): Options {
  const seconds = Number(argument(argv, '--seconds') ?? DEFAULT_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600) throw new Error('--seconds expects 1 to 3600');
  const before = argument(argv, '--before');
  return {
    seconds,
    timing: parseBenchTiming(argument(argv, '--timing')),
    monitor: !argv.includes('--no-monitor'),
    parentDir: argv.includes('--disk') ? undefined : tmpfsParent(),
    before: before === undefined ? undefined : join(before, 'bin', 'hastmon'),
    nodeOptions: (argument(argv, '--node-options') ?? '').split(' ').filter((o) => o !== ''),
  };
}

function threeNodes(options: Options, label: string, launcher: string | undefined): Promise<Cluster> {
  return Cluster.create({
    transport: 'unicast',
    nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }, { name: 'reksio', watchdog: true }],
    label,
    ...(options.monitor ? {} : { resourceLines: [`monitor_interval ${NO_MONITOR_INTERVAL}`] }),
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    ...(options.parentDir === undefined ? {} : { parentDir: options.parentDir }),
    ...(launcher === undefined ? {} : { launcher }),
    ...(options.nodeOptions.length === 0 ? {} : { nodeOptions: () => options.nodeOptions }),
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const clusters = [{ label: 'hastmon', cluster: await threeNodes(options, 'bench-idle', undefined) }];
  if (options.before !== undefined) clusters.push({ label: 'before', cluster: await threeNodes(options, 'bench-idle-before', options.before) });
  const interval = clusters[0]?.cluster.heartbeatMs ?? 0;
  const ports = [await freePort(), await freePort(), await freePort()];
  const bare: ChildProcess[] = ports.map((port) =>
    spawn(process.execPath, ['-e', BARE_PROGRAM, String(port), String(interval), String(BARE_DATAGRAM_BYTES), ...ports.filter((p) => p !== port).map(String)], {
      stdio: 'ignore',
    }),
  );
  try {
    await Promise.all(
      clusters.map(async ({ cluster }) => {
        await cluster.startAll();
        await cluster.waitFor('a holder', () => cluster.agreeOn('lolek'), 15_000);
      }),
    );
    await sleep(WARM_UP_MS);
    const processes = [
      ...clusters.flatMap(({ label, cluster }) => cluster.names.map((name) => ({ label: `${label} ${name}`, pid: cluster.daemon(name).pid }))),
      ...bare.map((child, i) => ({ label: `bare node ${i + 1}`, pid: child.pid ?? 0 })),
    ];
    const before = processes.map((p) => sampleCpu(p.pid));
    const startedAt = process.hrtime.bigint();
    await sleep(options.seconds * 1000);
    const elapsedNs = Number(process.hrtime.bigint() - startedAt);
    const after = processes.map((p) => sampleCpu(p.pid));
    // Each process sends to two peers and hears from two, one datagram each per interval.
    const datagrams = (4 * elapsedNs) / 1e6 / interval;
    process.stdout.write(
      `idle cost over ${options.seconds} s, heartbeat ${interval} ms, ${Math.round(datagrams)} datagrams per process (sent + received), ` +
        `monitor script ${options.monitor ? 'on' : 'off'}, state files in ${options.parentDir ?? 'the temporary directory'}, load average ${loadAverage()}\n`,
    );
    processes.forEach((p, i) => {
      const a = after[i] as CpuSample;
      const b = before[i] as CpuSample;
      const cpu = (a.cpuNs - b.cpuNs) / elapsedNs;
      const ticks = (a.ticks - b.ticks) / CLOCK_TICKS_PER_SECOND / (elapsedNs / 1e9);
      const perDatagram = (a.cpuNs - b.cpuNs) / 1e3 / datagrams;
      process.stdout.write(
        `${p.label.padEnd(16)} cpu ${(cpu * 100).toFixed(3)} %  ticks ${(ticks * 100).toFixed(2)} %  ${perDatagram.toFixed(1)} us/dgram  rss ${rssMb(p.pid).toFixed(1)} MB\n`,
      );
    });
    return 0;
  } catch (error) {
    process.stderr.write(`bench/idle: ${(error as Error).message}\n${clusters.map(({ cluster }) => cluster.diagnostics()).join('\n')}\n`);
    return 1;
  } finally {
    for (const child of bare) if (child.pid !== undefined) child.kill('SIGTERM');
    await Promise.all(clusters.map(({ cluster }) => cluster.destroy()));
  }
}

process.exitCode = await main();
