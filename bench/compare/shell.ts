// Running commands for the comparison benchmark: every call bounded in time, every failure one line.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, or kills it after `timeoutMs`; never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      [...args],
      { timeout: options.timeoutMs ?? 15_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env, cwd: options.cwd },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        const why = error !== null && error.killed ? `${stderr}\n(killed after ${options.timeoutMs ?? 15_000} ms)` : stderr;
        resolve({ code, stdout, stderr: code === null && error !== null && !error.killed ? `${why}${error.message}` : why });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like run, but a non-zero exit is an error naming the command and its first line of complaint. */
export async function must(command: string, args: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const said = firstLine(result.stderr) || firstLine(result.stdout) || `exit status ${String(result.code)}`;
    throw new Error(`${command} ${args.join(' ')}: ${said}`);
  }
  return result.stdout;
}

export function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
}

/** A long-running child in its own process group, so that a Ctrl-C reaches only the benchmark, which then stops it. */
export function startDetached(command: string, args: readonly string[], stdio: 'pipe' | 'ignore' | number, env?: NodeJS.ProcessEnv): ChildProcess {
  const out = stdio === 'pipe' ? 'pipe' : stdio;
  const child = spawn(command, [...args], { detached: true, stdio: ['ignore', out, stdio === 'pipe' ? 'pipe' : out], env: env ?? process.env });
  // An exec failure is reported through the exit status below; the error event must not crash the run.
  child.on('error', () => undefined);
  return child;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

let realtimeOffset = Date.now() - performance.now();

/**
 * The realtime clock in milliseconds with sub-millisecond digits, comparable with the scripts'
 * $EPOCHREALTIME and ip monitor's timestamps. performance.now() is monotonic and may drift from
 * the realtime clock while NTP slews it, so the offset is taken again (at a tick of Date.now, within
 * a millisecond of waiting) before each measurement.
 */
export function realtimeMs(): number {
  return realtimeOffset + performance.now();
}

export function calibrateRealtime(): void {
  const start = Date.now();
  let now = start;
  // Bounded: Date.now() ticks within a millisecond; the count only guards against a stuck clock.
  for (let i = 0; i < 10_000_000 && now === start; i++) now = Date.now();
  realtimeOffset = now - performance.now();
}

/** Polls `probe` every `everyMs` until it returns a value, or returns undefined after `timeoutMs`. */
export async function pollFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 5): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}
