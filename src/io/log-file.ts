// The log file of `hastmon -L FILE`: lines appended as in the foreground, and the file reopened on
// `hastmonctl reopen-log` (logrotate's postrotate) or, failing that, once the path is found to name
// another file (or none) after a size step, so that a rotation without a postrotate loses at most
// that much to the old file.
import { createWriteStream, fstatSync, openSync, statSync, type WriteStream } from 'node:fs';
import type { LogLevel } from '../core/types.js';
import { formatStderrLine, SYSTEM_LOG_CLOCK, type LineSink, type LogClock, type SinkWrite } from './log.js';

/** The log may name peers, addresses and scripts: readable by the daemon's group, not by everyone. */
const LOG_FILE_MODE = 0o640;

/** After this many bytes written, the sink checks that its path still names the file it writes. */
export const LOG_FILE_CHECK_BYTES = 1024 * 1024;

/** A file that failed (disk full, removed directory) is opened again at most this often. */
const REOPEN_RETRY_MS = 5_000;

export interface FileSinkOptions {
  path: string;
  pid: number;
  /** LOG_FILE_CHECK_BYTES unless a test wants a smaller step. */
  checkEveryBytes?: number;
  clock?: LogClock;
}

interface OpenFile {
  stream: WriteStream;
  dev: number;
  ino: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens `path` for appending; throws with the path in the message. */
function openForAppend(path: string): { fd: number; dev: number; ino: number } {
  let fd: number;
  try {
    fd = openSync(path, 'a', LOG_FILE_MODE);
  } catch (error) {
    throw new Error(`cannot open the log file ${path}: ${describe(error)}`);
  }
  const stats = fstatSync(fd);
  return { fd, dev: stats.dev, ino: stats.ino };
}

export class FileSink implements LineSink {
  private current: OpenFile;
  private failure: string | null = null;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private sinceCheck = 0;
  private readonly checkEveryBytes: number;
  private readonly clock: LogClock;

  /** Opens the file at once: throws when it cannot be opened, so that start-up can say so. */
  constructor(private readonly options: FileSinkOptions) {
    this.checkEveryBytes = options.checkEveryBytes ?? LOG_FILE_CHECK_BYTES;
    this.clock = options.clock ?? SYSTEM_LOG_CLOCK;
    this.current = this.open();
  }

  format(wallMs: number, level: LogLevel, message: string): string {
    return formatStderrLine(wallMs, this.options.pid, level, message);
  }

  write(line: string): SinkWrite {
    if (this.failure !== null && !this.recover()) return 'lost';
    const accepted = this.current.stream.write(line);
    this.sinceCheck += Buffer.byteLength(line);
    if (this.sinceCheck >= this.checkEveryBytes) {
      this.sinceCheck = 0;
      if (this.moved()) this.reopen();
    }
    return accepted ? 'ready' : 'full';
  }

  onceWritable(listener: () => void): void {
    const stream = this.current.stream;
    const wake = (): void => {
      for (const event of ['drain', 'error', 'close']) stream.off(event, wake);
      listener();
    };
    for (const event of ['drain', 'error', 'close']) stream.on(event, wake);
  }

  lastError(): string | null {
    return this.failure;
  }

  /** Opens the path again (logrotate moved the file away); on failure keeps writing the old one. */
  reopen(): string | null {
    this.lastAttempt = this.clock.monotonic();
    let next: OpenFile;
    try {
      next = this.open();
    } catch (error) {
      return describe(error);
    }
    const old = this.current;
    this.current = next;
    this.failure = null;
    this.sinceCheck = 0;
    old.stream.end();
    return null;
  }

  close(timeoutMs: number): Promise<void> {
    const stream = this.current.stream;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      stream.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private open(): OpenFile {
    const { fd, dev, ino } = openForAppend(this.options.path);
    // Writes run off the event loop: a slow disk must not stall the daemon.
    const stream = createWriteStream('', { fd, autoClose: true });
    stream.on('error', (error: Error) => {
      if (this.current?.stream === stream) this.failure = `${this.options.path}: ${error.message}`;
    });
    return { stream, dev, ino };
  }

  /** Does the path name another file now, or none (renamed or removed by a rotation)? */
  private moved(): boolean {
    try {
      const stats = statSync(this.options.path);
      return stats.dev !== this.current.dev || stats.ino !== this.current.ino;
    } catch {
      return true;
    }
  }

  private recover(): boolean {
    if (this.clock.monotonic() - this.lastAttempt < REOPEN_RETRY_MS) return false;
    return this.reopen() === null;
  }
}

/** `-L FILE`: the daemon's lines appended to FILE. Throws when FILE cannot be opened. */
export function fileSink(options: FileSinkOptions): FileSink {
  return new FileSink(options);
}
