// A process's CPU time and memory read from /proc (Linux), for the idle and scaling benchmarks.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface CpuSample {
  /** CPU time of all its threads, nanoseconds (/proc/PID/task/*\/schedstat). */
  cpuNs: number;
  /** utime + stime in clock ticks (/proc/PID/stat): coarse at low load. */
  ticks: number;
}

export const CLOCK_TICKS_PER_SECOND = 100;

export function sampleCpu(pid: number): CpuSample {
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

export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) / 1024;
}

/** The 1-, 5- and 15-minute load averages, as uptime prints them. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** A parent for a benchmark's temporary directory on tmpfs, as the default state file (/var/run) is on most systems. */
export function tmpfsParent(): string | undefined {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8');
    return mounts.split('\n').some((line) => line.split(' ')[1] === '/dev/shm' && line.split(' ')[2] === 'tmpfs') ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}

export function argument(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index === -1 ? undefined : argv[index + 1];
}
