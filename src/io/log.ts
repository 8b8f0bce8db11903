// The daemon's log. Records go one line each to stderr in the foreground (`-F`) and to syslog in
// the background, through a bounded queue: a slow sink never blocks the event loop, a full queue
// drops lines (counted, then reported in the log itself) and no call ever throws into the caller.
//
// Syslog is reached through ONE long-lived util-linux `logger --prio-prefix` child fed on stdin,
// each line starting with its own `<PRI>`: severities survive (a single `-p daemon.notice` would
// flatten them, and one `logger -p` per record would fork per line), and Node's standard library
// cannot write the datagram socket /dev/log itself. hastmon(8) and FreeHA log to syslog, so the
// system's rotation and forwarding apply. Where there is no syslog, `-L FILE` (log-file.ts) keeps
// the log in a file that logrotate can rotate; under systemd, stderr lines carry `<N>` priorities.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { LogLevel } from '../core/types.js';
import { monotonicMs } from './clock.js';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warning', 'error'];

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warning: 3, error: 4 };

/** syslog(3) severities; the facility is LOG_DAEMON (3). */
const SYSLOG_SEVERITY: Record<LogLevel, number> = { debug: 7, info: 6, notice: 5, warning: 4, error: 3 };
const DAEMON_FACILITY = 3;

/** Longer messages are cut, so that logger's `--size` never splits one into unprefixed pieces. */
const MAX_SYSLOG_MESSAGE_CHARS = 1_000;

export interface LogClock {
  /** Wall time in milliseconds, for time stamps. */
  wall(): number;
  /** A clock that never jumps, for rate limits. */
  monotonic(): number;
}

export const SYSTEM_LOG_CLOCK: LogClock = { wall: () => Date.now(), monotonic: monotonicMs };

/** `-d` given zero times shows info and up; once or more adds debug. */
export function lowestLevelShown(verbosity: number): LogLevel {
  return verbosity > 0 ? 'debug' : 'info';
}

/** One record per line: embedded line breaks would forge records (or lose syslog priorities). */
function oneLine(message: string): string {
  return message.replace(/\r\n|\r|\n/g, '\\n');
}

/** `2026-11-22T12:00:00.123Z hastmon[pid]: level: message` */
export function formatStderrLine(wallMs: number, pid: number, level: LogLevel, message: string): string {
  return `${new Date(wallMs).toISOString()} hastmon[${pid}]: ${level}: ${oneLine(message)}\n`;
}

/**
 * `<N>level: message`, N the syslog severity alone: journald reads that prefix from a service's
 * stderr (sd-daemon(3)), so `journalctl -p err` finds errors; it adds the time and pid itself.
 */
export function formatJournalLine(level: LogLevel, message: string): string {
  return `<${SYSLOG_SEVERITY[level]}>${level}: ${oneLine(message)}\n`;
}

/** `<PRI>level: message`: logger adds the time, the tag and the pid. */
export function formatSyslogLine(level: LogLevel, message: string): string {
  const flat = oneLine(message);
  const text = flat.length > MAX_SYSLOG_MESSAGE_CHARS ? `${flat.slice(0, MAX_SYSLOG_MESSAGE_CHARS)}…` : flat;
  return `<${DAEMON_FACILITY * 8 + SYSLOG_SEVERITY[level]}>${level}: ${text}\n`;
}

/** The syslog child: lines without a prefix (there should be none) still land in daemon.notice. */
export function syslogCommand(pid: number): string[] {
  return ['logger', '-t', 'hastmon', `--id=${pid}`, '--prio-prefix', '-p', 'daemon.notice', '--size', '4096'];
}

/** 'ready': taken, send more; 'full': taken, wait for the drain; 'lost': the sink is down. */
export type SinkWrite = 'ready' | 'full' | 'lost';

/** Where formatted lines go. */
export interface LineSink {
  format(wallMs: number, level: LogLevel, message: string): string;
  write(line: string): SinkWrite;
  /** Calls `listener` once when the sink can take lines again, or has failed. */
  onceWritable(listener: () => void): void;
  /** Why the sink last failed, or null. */
  lastError(): string | null;
  close(timeoutMs: number): Promise<void>;
  /** A sink writing a file opens it again (after a rotation): null, or why it could not. */
  reopen?(): string | null;
}

type LineFormat = (wallMs: number, level: LogLevel, message: string) => string;

/** Wakes `listener` once on the first of `events` from `stream`. */
function onceAny(stream: Writable, events: readonly string[], listener: () => void): void {
  const wake = (): void => {
    for (const event of events) stream.off(event, wake);
    listener();
  };
  for (const event of events) stream.on(event, wake);
}

/** Ends `stream`, waiting at most `timeoutMs` for what it still buffers. */
function endWithin(stream: Writable, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    stream.end(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Lines into any writable stream (stderr, tests). */
export function streamSink(stream: Writable, format: LineFormat): LineSink {
  let failure: string | null = null;
  stream.on('error', (error: Error) => {
    failure = error.message;
  });
  return {
    format,
    write(line) {
      if (failure !== null || stream.destroyed || stream.writableEnded) return 'lost';
      return stream.write(line) ? 'ready' : 'full';
    },
    onceWritable(listener) {
      // A stream that fails while full never drains: wake the queue so it counts the rest as lost.
      onceAny(stream, ['drain', 'error', 'close'], listener);
    },
    lastError: () => failure,
    close: (timeoutMs) => endWithin(stream, timeoutMs),
  };
}

/**
 * Foreground: fd 2 through an fs stream, whose writes run off the event loop (process.stderr
 * writes synchronously to files, pipes and terminals on Linux, so a stalled terminal would stall
 * the daemon).
 */
export function stderrSink(pid: number, options: { journal?: boolean } = {}): LineSink {
  const stream = createWriteStream('', { fd: 2, autoClose: false });
  if (options.journal === true) return streamSink(stream, (_wallMs, level, message) => formatJournalLine(level, message));
  return streamSink(stream, (wallMs, level, message) => formatStderrLine(wallMs, pid, level, message));
}

export interface SyslogSinkOptions {
  /** The child fed with `<PRI>` lines; `syslogCommand(pid)` unless a test replaces it. */
  command: readonly string[];
  /** A child that died is replaced on the next line, but at most this often. */
  respawnIntervalMs?: number;
  clock?: LogClock;
}

class ChildProcessSink implements LineSink {
  private child: ChildProcess | null = null;
  private stdin: Writable | null = null;
  private lastSpawn = Number.NEGATIVE_INFINITY;
  private closing = false;
  private failure: string | null = null;
  private readonly file: string;
  private readonly args: readonly string[];
  private readonly respawnIntervalMs: number;
  private readonly clock: LogClock;

  constructor(options: SyslogSinkOptions) {
    const [file, ...args] = options.command;
    if (file === undefined) throw new Error('syslog sink: empty command');
    this.file = file;
    this.args = args;
    this.respawnIntervalMs = options.respawnIntervalMs ?? 5_000;
    this.clock = options.clock ?? SYSTEM_LOG_CLOCK;
  }

  format(_wallMs: number, level: LogLevel, message: string): string {
    return formatSyslogLine(level, message);
  }

  write(line: string): SinkWrite {
    const stdin = this.stdin ?? this.respawn();
    if (stdin === null) return 'lost';
    return stdin.write(line) ? 'ready' : 'full';
  }

  onceWritable(listener: () => void): void {
    if (this.stdin === null) {
      setImmediate(listener);
      return;
    }
    onceAny(this.stdin, ['drain', 'error', 'close'], listener);
  }

  lastError(): string | null {
    return this.failure;
  }

  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const child = this.child;
    const stdin = this.stdin;
    if (child === null || stdin === null) return;
    // logger exits once it has read everything up to the end of its input.
    const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
    stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const exitedInTime = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (!exitedInTime) child.kill('SIGTERM');
  }

  private respawn(): Writable | null {
    const now = this.clock.monotonic();
    if (this.closing || now - this.lastSpawn < this.respawnIntervalMs) return null;
    this.lastSpawn = now;
    // Its own process group: a Ctrl-C or a group kill aimed at the daemon must not take the
    // logger down before the daemon's last words are written.
    const child = spawn(this.file, this.args, { stdio: ['pipe', 'ignore', 'inherit'], detached: true });
    const stdin = child.stdin;
    if (stdin === null) return null;
    const down = (why: string): void => {
      if (this.child !== child) return;
      this.child = null;
      this.stdin = null;
      if (!this.closing) this.failure = why;
    };
    child.on('error', (error) => down(`${this.file}: ${error.message}`));
    child.on('exit', (code, signal) => down(`${this.file} exited (${code ?? signal ?? 'unknown'})`));
    stdin.on('error', (error) => down(`${this.file}: ${error.message}`));
    this.child = child;
    this.stdin = stdin;
    return stdin;
  }
}

/** Background: one long-lived child forwarding every line to syslog. */
export function syslogSink(options: SyslogSinkOptions): LineSink {
  return new ChildProcessSink(options);
}

/** Decides which calls of a noisy event are let through: at most one per interval per key. */
export class RateLimiter {
  private readonly entries = new Map<string, { since: number; intervalMs: number; suppressed: number }>();

  constructor(
    private readonly now: () => number,
    private readonly maxKeys = 1_024,
  ) {}

  /** null: stay quiet this time; otherwise go ahead, with how many calls were quiet since the last. */
  admit(key: string, intervalMs: number): number | null {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && now - entry.since < entry.intervalMs) {
      entry.suppressed += 1;
      return null;
    }
    const suppressed = entry?.suppressed ?? 0;
    // Re-inserted so that the map's order is least recently admitted first, for eviction.
    this.entries.delete(key);
    this.makeRoom(now);
    this.entries.set(key, { since: now, intervalMs, suppressed: 0 });
    return suppressed;
  }

  /** Callers may key by peer or address: keep the table bounded, forgetting quiet keys first. */
  private makeRoom(now: number): void {
    if (this.entries.size < this.maxKeys) return;
    for (const [key, entry] of this.entries) {
      if (entry.suppressed === 0 && now - entry.since >= entry.intervalMs) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxKeys) break;
      this.entries.delete(key);
    }
  }
}

export interface LoggerOptions {
  sink: LineSink;
  /** How many times `-d` was given. */
  verbosity: number;
  clock?: LogClock;
  /** Lines held while the sink is busy; more are dropped and counted. */
  maxQueuedLines?: number;
}

export interface LoggerStats {
  /** Lines handed to the sink. */
  written: number;
  /** Lines lost to a full queue, a failed sink or a closed logger. */
  dropped: number;
  queued: number;
  sinkError: string | null;
}

export class Logger {
  private readonly sink: LineSink;
  private readonly lowest: number;
  private readonly clock: LogClock;
  private readonly maxQueued: number;
  private readonly limiter: RateLimiter;
  private queue: string[] = [];
  private waiting = false;
  private closed = false;
  private written = 0;
  private dropped = 0;
  /** Dropped since the last report line. */
  private unreported = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(options: LoggerOptions) {
    this.sink = options.sink;
    this.lowest = RANK[lowestLevelShown(options.verbosity)];
    this.clock = options.clock ?? SYSTEM_LOG_CLOCK;
    this.maxQueued = Math.max(2, options.maxQueuedLines ?? 1_000);
    this.limiter = new RateLimiter(() => this.clock.monotonic());
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.lowest;
  }

  log(level: LogLevel, message: string): void {
    try {
      if (!this.enabled(level)) return;
      if (this.closed) {
        this.dropped += 1;
        return;
      }
      this.enqueue(this.sink.format(this.clock.wall(), level, message));
      this.pump();
    } catch {
      this.dropped += 1;
    }
  }

  debug(message: string): void {
    this.log('debug', message);
  }

  info(message: string): void {
    this.log('info', message);
  }

  notice(message: string): void {
    this.log('notice', message);
  }

  warning(message: string): void {
    this.log('warning', message);
  }

  error(message: string): void {
    this.log('error', message);
  }

  /** Logs at most once per `intervalMs` for `key`; the next line tells how many were suppressed. */
  limited(key: string, intervalMs: number, level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const suppressed = this.limiter.admit(key, intervalMs);
    if (suppressed === null) return;
    this.log(level, suppressed > 0 ? `${message} (${suppressed} more suppressed)` : message);
  }

  /**
   * Opens the log file again (`hastmonctl reopen-log`, after logrotate moved it): 'reopened',
   * 'no-file' when the log does not go to a file, or why the file could not be opened (the old
   * one is then kept).
   */
  reopen(): 'reopened' | 'no-file' | { failed: string } {
    if (this.sink.reopen === undefined) return 'no-file';
    const failure = this.sink.reopen();
    return failure === null ? 'reopened' : { failed: failure };
  }

  stats(): LoggerStats {
    return { written: this.written, dropped: this.dropped, queued: this.queue.length, sinkError: this.sink.lastError() };
  }

  /** Writes what is queued (waiting at most `timeoutMs`), then closes the sink. */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const deadline = this.clock.monotonic() + timeoutMs;
    if (this.queue.length > 0 || this.waiting) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.dropped += this.queue.length;
    this.queue = [];
    await this.sink.close(Math.max(0, deadline - this.clock.monotonic()));
  }

  private enqueue(line: string): void {
    if (this.unreported === 0) {
      if (this.queue.length < this.maxQueued) {
        this.queue.push(line);
        return;
      }
    } else if (this.queue.length + 2 <= this.maxQueued) {
      // The report takes the place of the gap, just before the first line kept after it.
      const report = `${this.unreported} log line(s) dropped: the log could not keep up`;
      this.queue.push(this.sink.format(this.clock.wall(), 'warning', report), line);
      this.unreported = 0;
      return;
    }
    this.dropped += 1;
    this.unreported += 1;
  }

  private pump(): void {
    while (!this.waiting && this.queue.length > 0) {
      const line = this.queue.shift() as string;
      const result = this.sink.write(line);
      if (result === 'lost') {
        this.dropped += 1;
        continue;
      }
      this.written += 1;
      if (result === 'full') {
        this.waiting = true;
        this.sink.onceWritable(() => {
          this.waiting = false;
          this.safePump();
        });
      }
    }
    if (!this.waiting && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** From an event callback: an exception there would be uncaught. */
  private safePump(): void {
    try {
      this.pump();
    } catch {
      this.dropped += this.queue.length;
      this.queue = [];
    }
  }
}

export interface DaemonLoggerOptions {
  /** `-F`, or no syslog to reach: stderr; otherwise syslog. */
  foreground: boolean;
  /** stderr is the systemd journal's stream: lines carry their `<N>` priority instead of a time. */
  journal?: boolean;
  /** A sink opened by the caller, in place of stderr and syslog (the `-L` log file). */
  sink?: LineSink;
  verbosity: number;
  pid?: number;
  clock?: LogClock;
  /** Replaces the syslog child (tests). */
  syslogCommand?: readonly string[];
  maxQueuedLines?: number;
}

export function createDaemonLogger(options: DaemonLoggerOptions): Logger {
  const pid = options.pid ?? process.pid;
  const sink =
    options.sink ??
    (options.foreground
      ? stderrSink(pid, { journal: options.journal ?? false })
      : syslogSink({
          command: options.syslogCommand ?? syslogCommand(pid),
          ...(options.clock === undefined ? {} : { clock: options.clock }),
        }));
  return new Logger({
    sink,
    verbosity: options.verbosity,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.maxQueuedLines === undefined ? {} : { maxQueuedLines: options.maxQueuedLines }),
  });
}
