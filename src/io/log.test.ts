import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLevel } from '../core/types.js';
import {
  createDaemonLogger,
  formatStderrLine,
  formatSyslogLine,
  Logger,
  RateLimiter,
  streamSink,
  syslogCommand,
  syslogSink,
  type LineSink,
  type LogClock,
  type SinkWrite,
} from './log.js';

const NOON = Date.parse('2026-11-22T12:00:00.123Z');

function fakeClock(): LogClock & { advance(ms: number): void } {
  let wall = NOON;
  let monotonic = 1_000;
  return {
    wall: () => wall,
    monotonic: () => monotonic,
    advance(ms) {
      wall += ms;
      monotonic += ms;
    },
  };
}

/** Keeps lines in memory; while `full`, every write says 'full' until `drain()`. */
class MemorySink implements LineSink {
  readonly lines: string[] = [];
  full = false;
  private listeners: Array<() => void> = [];
  format(wallMs: number, level: LogLevel, message: string): string {
    return formatStderrLine(wallMs, 99, level, message);
  }
  write(line: string): SinkWrite {
    this.lines.push(line);
    return this.full ? 'full' : 'ready';
  }
  onceWritable(listener: () => void): void {
    this.listeners.push(listener);
  }
  drain(): void {
    this.full = false;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
  lastError(): string | null {
    return null;
  }
  async close(): Promise<void> {}
}

/** Polls `condition` every 10 ms for at most `ms`. */
async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const dirs: string[] = [];
function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hastmon-log-'));
  dirs.push(dir);
  return join(dir, name);
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

describe('line formats', () => {
  it('writes foreground lines as time, tag with pid, level, message', () => {
    expect(formatStderrLine(NOON, 4242, 'warning', 'peer bolek timed out')).toBe(
      '2026-11-22T12:00:00.123Z hastmon[4242]: warning: peer bolek timed out\n',
    );
  });

  it('keeps one record per line', () => {
    expect(formatStderrLine(NOON, 1, 'info', 'a\nb\r\nc')).toBe('2026-11-22T12:00:00.123Z hastmon[1]: info: a\\nb\\nc\n');
    expect(formatSyslogLine('info', 'a\nb')).toBe('<30>info: a\\nb\n');
  });

  it('prefixes syslog lines with the daemon facility and the severity', () => {
    const levels: LogLevel[] = ['debug', 'info', 'notice', 'warning', 'error'];
    expect(levels.map((level) => formatSyslogLine(level, 'm'))).toEqual([
      '<31>debug: m\n',
      '<30>info: m\n',
      '<29>notice: m\n',
      '<28>warning: m\n',
      '<27>error: m\n',
    ]);
  });

  it('cuts very long syslog messages so logger never splits them', () => {
    const line = formatSyslogLine('error', 'x'.repeat(5_000));
    expect(line.length).toBeLessThan(1_100);
    expect(line.endsWith('…\n')).toBe(true);
  });

  it('runs logger with a tag, the daemon pid and per-line priorities', () => {
    expect(syslogCommand(4242)).toEqual(['logger', '-t', 'hastmon', '--id=4242', '--prio-prefix', '-p', 'daemon.notice', '--size', '4096']);
  });
});

describe('levels and verbosity', () => {
  const all = (logger: Logger): void => {
    logger.debug('d');
    logger.info('i');
    logger.notice('n');
    logger.warning('w');
    logger.error('e');
  };

  it('shows info and up without -d', () => {
    const sink = new MemorySink();
    all(new Logger({ sink, verbosity: 0, clock: fakeClock() }));
    expect(sink.lines.map((line) => line.split(' ').slice(2).join(' '))).toEqual(['info: i\n', 'notice: n\n', 'warning: w\n', 'error: e\n']);
  });

  it('adds debug with -d', () => {
    const sink = new MemorySink();
    const logger = new Logger({ sink, verbosity: 1, clock: fakeClock() });
    all(logger);
    expect(sink.lines).toHaveLength(5);
    expect(sink.lines[0]).toBe('2026-11-22T12:00:00.123Z hastmon[99]: debug: d\n');
    expect(logger.enabled('debug')).toBe(true);
    expect(new Logger({ sink, verbosity: 0 }).enabled('debug')).toBe(false);
  });
});

describe('rate limiting', () => {
  it('logs once per interval per key and counts what it suppressed', () => {
    const clock = fakeClock();
    const sink = new MemorySink();
    const logger = new Logger({ sink, verbosity: 0, clock });
    for (let i = 0; i < 5; i += 1) logger.limited('send:0', 10_000, 'warning', 'send failed on channel 0');
    logger.limited('send:1', 10_000, 'warning', 'send failed on channel 1');
    clock.advance(9_999);
    logger.limited('send:0', 10_000, 'warning', 'send failed on channel 0');
    clock.advance(1);
    logger.limited('send:0', 10_000, 'warning', 'send failed on channel 0');
    clock.advance(10_000);
    logger.limited('send:0', 10_000, 'warning', 'send failed on channel 0');
    expect(sink.lines.map((line) => line.slice(line.indexOf('warning:')))).toEqual([
      'warning: send failed on channel 0\n',
      'warning: send failed on channel 1\n',
      'warning: send failed on channel 0 (5 more suppressed)\n',
      'warning: send failed on channel 0\n',
    ]);
  });

  it('counts nothing for a level that is not shown', () => {
    const clock = fakeClock();
    const sink = new MemorySink();
    const logger = new Logger({ sink, verbosity: 0, clock });
    logger.limited('k', 1_000, 'debug', 'quiet');
    logger.limited('k', 1_000, 'info', 'loud');
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]).toContain('info: loud\n');
  });

  it('keeps its key table bounded, forgetting quiet keys first', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now, 3);
    expect(limiter.admit('noisy', 100)).toBe(0);
    expect(limiter.admit('noisy', 100)).toBeNull();
    expect(limiter.admit('a', 100)).toBe(0);
    now = 200;
    expect(limiter.admit('b', 100)).toBe(0);
    // The table is full: 'a' is quiet and expired, so it goes, and 'noisy' keeps its count.
    expect(limiter.admit('c', 100)).toBe(0);
    expect(limiter.admit('noisy', 100)).toBe(1);
  });
});

describe('the queue', () => {
  it('holds lines while the sink is busy, drops beyond its bound and reports the gap', () => {
    const sink = new MemorySink();
    const logger = new Logger({ sink, verbosity: 0, clock: fakeClock(), maxQueuedLines: 4 });
    sink.full = true;
    for (let i = 1; i <= 10; i += 1) logger.info(`line ${i}`);
    // line 1 went to the sink (which then said full), 2..5 wait, 6..10 are dropped.
    expect(sink.lines).toHaveLength(1);
    expect(logger.stats()).toMatchObject({ written: 1, queued: 4, dropped: 5 });
    sink.drain();
    expect(sink.lines).toHaveLength(5);
    logger.info('line 11');
    const tail = sink.lines.slice(4).map((line) => line.slice(line.indexOf(': ') + 2));
    expect(tail).toEqual(['info: line 5\n', 'warning: 5 log line(s) dropped: the log could not keep up\n', 'info: line 11\n']);
    expect(logger.stats()).toMatchObject({ written: 7, queued: 0, dropped: 5 });
  });

  it('never blocks on a stalled stream and never throws', () => {
    const stalled = new Writable({ highWaterMark: 1_024, write: () => {} });
    const logger = new Logger({ sink: streamSink(stalled, (_w, level, message) => `${level}: ${message}\n`), verbosity: 0, maxQueuedLines: 100 });
    const started = Date.now();
    for (let i = 0; i < 100_000; i += 1) logger.info(`message number ${i}`);
    expect(Date.now() - started).toBeLessThan(5_000);
    const stats = logger.stats();
    expect(stats.queued).toBe(100);
    // The stream takes lines up to its high-water mark (1 KiB, about 44 of these), then says full.
    expect(stats.written).toBeGreaterThan(0);
    expect(stats.written).toBeLessThan(100);
    expect(stalled.writableLength).toBeLessThan(1_024 + 30);
    expect(stats.written + stats.queued + stats.dropped).toBe(100_000);
  });

  it('counts a failing sink as drops instead of throwing', () => {
    const broken: LineSink = {
      format: () => 'x\n',
      write: () => {
        throw new Error('boom');
      },
      onceWritable: () => {},
      lastError: () => 'boom',
      close: async () => {},
    };
    const logger = new Logger({ sink: broken, verbosity: 0 });
    expect(() => logger.error('first')).not.toThrow();
    expect(logger.stats()).toMatchObject({ dropped: 1, sinkError: 'boom' });
  });

  it('writes what is queued on close, then refuses further lines', async () => {
    const sink = new MemorySink();
    const logger = new Logger({ sink, verbosity: 0 });
    sink.full = true;
    logger.info('a');
    logger.info('b');
    setTimeout(() => sink.drain(), 20);
    await logger.close(2_000);
    expect(sink.lines.map((line) => line.slice(line.indexOf('info:')))).toEqual(['info: a\n', 'info: b\n']);
    logger.info('late');
    expect(sink.lines).toHaveLength(2);
    expect(logger.stats().dropped).toBe(1);
  });

  it('gives up on a sink that never drains within the close timeout', async () => {
    const sink = new MemorySink();
    const logger = new Logger({ sink, verbosity: 0 });
    sink.full = true;
    logger.info('a');
    logger.info('b');
    const started = Date.now();
    await logger.close(50);
    // It returns rather than waiting for a sink that never drains (the bound is only far beyond 50 ms).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(logger.stats()).toMatchObject({ written: 1, dropped: 1, queued: 0 });
  });
});

describe('the daemon logger', () => {
  it('in the foreground, writes formatted lines to stderr', async () => {
    const logModule = fileURLToPath(new URL('./log.ts', import.meta.url));
    const script = [
      `const { createDaemonLogger } = await import(${JSON.stringify(logModule)});`,
      'const logger = createDaemonLogger({ foreground: true, verbosity: 0, pid: 4242,',
      '  clock: { wall: () => Date.parse("2026-11-22T12:00:00.123Z"), monotonic: () => 0 } });',
      'logger.debug("hidden"); logger.notice("started"); logger.error("two\\nlines");',
      'await logger.close();',
    ].join('\n');
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 }, (error, out, err) =>
        error === null ? resolve({ stdout: out, stderr: err }) : reject(error),
      );
    });
    expect(stdout).toBe('');
    expect(stderr).toBe(
      '2026-11-22T12:00:00.123Z hastmon[4242]: notice: started\n2026-11-22T12:00:00.123Z hastmon[4242]: error: two\\nlines\n',
    );
  });

  it('in the background, feeds one child with <PRI> lines', async () => {
    const out = tempFile('syslog');
    const logger = createDaemonLogger({ foreground: false, verbosity: 1, syslogCommand: ['sh', '-c', 'exec cat > "$1"', 'sh', out] });
    logger.debug('probe');
    logger.warning('peer bolek timed out');
    await logger.close(5_000);
    expect(readFileSync(out, 'utf8')).toBe('<31>debug: probe\n<28>warning: peer bolek timed out\n');
    expect(logger.stats()).toMatchObject({ written: 2, dropped: 0, sinkError: null });
  });

  it('replaces a syslog child that died, at most once per interval', async () => {
    const out = tempFile('syslog');
    const clock = fakeClock();
    // `head -n 1` exits after one line, like a logger that was killed.
    const sink = syslogSink({ command: ['sh', '-c', 'head -n 1 >> "$1"', 'sh', out], respawnIntervalMs: 60_000, clock });
    const logger = new Logger({ sink, verbosity: 0, clock });
    logger.info('one');
    await waitFor(() => sink.lastError() !== null, 5_000, 'the child to exit');
    expect(sink.lastError()).toMatch(/^sh exited/);
    logger.info('lost: too soon to respawn');
    expect(logger.stats().dropped).toBe(1);
    clock.advance(60_000);
    logger.info('two');
    await waitFor(() => readOrEmpty(out) === '<30>info: one\n<30>info: two\n', 5_000, 'the second child to write');
    await logger.close(5_000);
  });

  it('survives a syslog command that cannot run', async () => {
    const logger = createDaemonLogger({ foreground: false, verbosity: 0, syslogCommand: ['/nonexistent/hastmon-logger'] });
    expect(() => logger.error('nobody hears this')).not.toThrow();
    await waitFor(() => logger.stats().sinkError !== null, 5_000, 'the spawn failure');
    expect(logger.stats().sinkError).toContain('ENOENT');
    logger.error('nor this');
    await logger.close(1_000);
    expect(logger.stats().dropped).toBeGreaterThanOrEqual(1);
  });

  const prioPrefixLogger = ((): boolean => {
    try {
      return execFileSync('logger', ['--help'], { encoding: 'utf8', timeout: 5_000 }).includes('--prio-prefix');
    } catch {
      return false;
    }
  })();

  // --no-act keeps the test out of the system log; --stderr shows what would have been sent.
  it.runIf(prioPrefixLogger)('is understood by the util-linux logger, severities included', async () => {
    const out = tempFile('logger-stderr');
    const command = ['sh', '-c', 'out=$1; shift; exec "$@" --no-act --stderr --socket-errors=off 2>"$out"', 'sh', out, ...syslogCommand(4242)];
    const logger = createDaemonLogger({ foreground: false, verbosity: 0, syslogCommand: command });
    logger.notice('resource web: RUNNING');
    logger.error('stop failed');
    await logger.close(5_000);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^<29>.* hastmon\[4242\]: notice: resource web: RUNNING$/);
    expect(lines[1]).toMatch(/^<27>.* hastmon\[4242\]: error: stop failed$/);
  });
});
