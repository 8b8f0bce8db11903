// What /proc says about the daemons: their process trees, CPU time and resident memory.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

interface Stat {
  pid: number;
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '?';
  const ppid = Number(rest[1]);
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { pid, state, ppid, ticks };
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** The process and all its descendants, found by one pass over /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [root];
  // Bounded by the number of processes: each pid has one parent, so none is queued twice.
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (readStat(pid) === undefined) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function executable(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/**
 * The daemon's own processes: the root and those descendants running the same program (keepalived's
 * VRRP child), not the scripts it runs now and then, whose CPU is not the daemon's idle cost.
 */
export function daemonProcesses(root: number): number[] {
  const program = executable(root);
  if (program === undefined) return [];
  return processTree(root).filter((pid) => pid === root || executable(pid) === program);
}

/** CPU time used so far by the process's threads, in nanoseconds, from the scheduler's own account. */
function schedulerNs(pid: number): number {
  let total = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const task of tasks) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read has nothing more to add.
    }
  }
  return total;
}

export interface CpuSample {
  atMs: number;
  /** Per pid: nanoseconds from schedstat and utime+stime ticks from stat. */
  byPid: Map<number, { ns: number; ticks: number }>;
}

export function sampleCpu(pids: readonly number[]): CpuSample {
  const byPid = new Map<number, { ns: number; ticks: number }>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat !== undefined) byPid.set(pid, { ns: schedulerNs(pid), ticks: stat.ticks });
  }
  return { atMs: performance.now(), byPid };
}

export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU used between two samples, as a percentage of one core, over the processes present in both. */
export function cpuPercent(before: CpuSample, after: CpuSample): { schedstat: number; ticks: number } {
  const wallMs = after.atMs - before.atMs;
  let ns = 0;
  let ticks = 0;
  for (const [pid, end] of after.byPid) {
    const start = before.byPid.get(pid);
    if (start === undefined) continue;
    ns += end.ns - start.ns;
    ticks += end.ticks - start.ticks;
  }
  return { schedstat: (ns / 1e6 / wallMs) * 100, ticks: ((ticks * 1000) / CLOCK_TICKS_PER_SECOND / wallMs) * 100 };
}

/** Resident memory (VmRSS) in kB, summed over the processes; shared pages count once per process. */
export function rssKb(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
      total += Number(line?.split(/\s+/)[1] ?? 0);
    } catch {
      // A process that just ended has no memory left to count.
    }
  }
  return total;
}
