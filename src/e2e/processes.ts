// Process helpers for the process-level tests and the benchmark: where the compiled hastmon is,
// free loopback ports, whether a process is gone, and running hastmon or hastmonctl once.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HASTMON_BIN = join(ROOT, 'bin', 'hastmon');
export const HASTMONCTL_BIN = join(ROOT, 'bin', 'hastmonctl');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A UDP port free on 127.0.0.1 right now: bound to port 0, read back, closed. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** The environment for a hastmon process: ours plus `extra`. */
export function daemonEnvironment(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // A loader the test runner or tsx put there has no business in the compiled daemon.
  delete env['NODE_OPTIONS'];
  return env;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `/proc/PID/stat` state, or undefined when there is no such process. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Gone, or a zombie nobody reaps (pid 1 here does not): either way it runs nothing. */
export function isGone(pid: number): boolean {
  const state = processState(pid);
  return state === undefined || state === 'Z';
}

export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs `bin/hastmon` once with `args` and waits for it to exit (not for its output to close: a
 * daemon it leaves in the background keeps the descriptors). Output goes through files in `dir`.
 */
export async function runHastmon(args: string[], options: { dir: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const id = randomBytes(4).toString('hex');
  const outPath = join(options.dir, `run-${id}.out`);
  const errPath = join(options.dir, `run-${id}.err`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  let child: ChildProcess;
  try {
    const env = daemonEnvironment(options.env ?? {});
    child = spawn(process.execPath, [HASTMON_BIN, ...args], { cwd: options.dir, env, stdio: ['ignore', out, err] });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const timeoutMs = options.timeoutMs ?? 20_000;
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) signalQuietly(child.pid, 'SIGKILL');
      reject(new Error(`hastmon ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
}

export interface UdpSocketCounters {
  /** Bytes received and not yet read. */
  queued: number;
  /** Datagrams the kernel dropped, its receive buffer full. */
  drops: number;
}

/** The kernel's counters of the IPv4 UDP socket bound to `address` (`127.0.0.1:PORT`), from /proc/net/udp. */
export function udpSocketCounters(address: string): UdpSocketCounters | undefined {
  const [host = '', port = ''] = address.split(':');
  const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');
  // The address is written as the kernel holds it: its four bytes in the host's byte order.
  const bytes = host.split('.').map(Number);
  const ordered = endianness() === 'LE' ? bytes.reverse() : bytes;
  const local = `${hex(ordered.reduce((acc, byte) => acc * 256 + byte, 0), 8)}:${hex(Number(port), 4)}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== local) continue;
    return { queued: Number.parseInt(fields[4]?.split(':')[1] ?? '0', 16), drops: Number(fields[12] ?? 0) };
  }
  return undefined;
}

/** Between the polls of a condition that runs hastmonctl: each poll starts a process. */
export const HASTMONCTL_POLL_MS = 250;

/** Runs `bin/hastmonctl -s SOCKET …args` once. */
export function runHastmonctl(socket: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HASTMONCTL_BIN, '-s', socket, ...args], { timeout: timeoutMs, env: daemonEnvironment({}) }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}
