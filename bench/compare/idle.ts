// The cost of standing still: CPU and resident memory of each node's daemon over an idle window,
// with the client stopped, and of a bare Node process holding one UDP socket for the memory target.
import type { ChildProcess } from 'node:child_process';
import type { Harness } from './harness.js';
import { cpuPercent, daemonProcesses, rssKb, sampleCpu } from './proc.js';
import { sleep, startDetached } from './shell.js';
import { NODES, type NodeName, type Topology } from './topology.js';

export interface NodeIdle {
  node: NodeName;
  /** % of one core over the window, from the scheduler's per-thread accounting (/proc/PID/task/T/schedstat). */
  cpuPercent: number;
  /** The same from utime+stime in /proc/PID/stat, whose resolution is one clock tick over the window. */
  cpuPercentTicks: number;
  /** VmRSS summed over the daemon's processes, at the end of the window. */
  rssKb: number;
  processes: number;
}

/** After the client stops, its last requests and the daemons' answers to them are let pass first. */
const QUIET_BEFORE_MS = 1_000;

export async function measureIdle(harness: Harness, windowMs: number): Promise<NodeIdle[]> {
  harness.answers.pause(true);
  try {
    await sleep(QUIET_BEFORE_MS);
    const pids = new Map(NODES.map((n) => [n, daemonProcesses(harness.mains.get(n) ?? -1)]));
    const before = new Map(NODES.map((n) => [n, sampleCpu(pids.get(n) ?? [])]));
    await sleep(windowMs);
    return NODES.map((node) => {
      const own = pids.get(node) ?? [];
      const after = sampleCpu(own);
      const start = before.get(node) ?? after;
      const cpu = cpuPercent(start, after);
      return { node, cpuPercent: cpu.schedstat, cpuPercentTicks: cpu.ticks, rssKb: rssKb(own), processes: own.length };
    });
  } finally {
    harness.answers.pause(false);
  }
}

/** node -e holding one bound UDP socket, nothing else: the memory a Node daemon cannot go below. */
export class Baseline {
  private child: ChildProcess | undefined;

  start(topology: Topology): void {
    const code = "require('node:dgram').createSocket('udp4').bind(0, '127.0.0.1')";
    this.child = startDetached('ip', ['netns', 'exec', topology.clientNs, process.execPath, '-e', code], 'ignore');
  }

  rssKb(): number | undefined {
    const pid = this.child?.pid;
    return pid === undefined ? undefined : rssKb([pid]) || undefined;
  }

  stop(): void {
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
}
