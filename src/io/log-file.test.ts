import { mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger, type LogClock } from './log.js';
import { fileSink } from './log-file.js';

const NOON = Date.parse('2026-11-22T12:00:00.123Z');
const clock: LogClock = { wall: () => NOON, monotonic: () => 0 };

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hastmon-logfile-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const line = (message: string, level = 'notice'): string => `2026-11-22T12:00:00.123Z hastmon[77]: ${level}: ${message}\n`;

describe('the log file (-L)', () => {
  it('appends lines in the foreground format, after what the file already holds, unreadable by others', async () => {
    const path = join(tempDir(), 'hastmon.log');
    const earlier = new Logger({ sink: fileSink({ path, pid: 77 }), verbosity: 0, clock });
    earlier.notice('first run');
    await earlier.close();
    const logger = new Logger({ sink: fileSink({ path, pid: 77 }), verbosity: 0, clock });
    logger.error('second run');
    await logger.close();
    expect(readFileSync(path, 'utf8')).toBe(line('first run') + line('second run', 'error'));
    expect(statSync(path).mode & 0o007).toBe(0);
  });

  it('throws at once, naming the file, when it cannot be opened', () => {
    const path = join(tempDir(), 'no-such-dir', 'hastmon.log');
    expect(() => fileSink({ path, pid: 77 })).toThrow(`cannot open the log file ${path}: ENOENT`);
  });

  it('opens the path again on reopen(), after logrotate renamed the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'hastmon.log');
    const logger = new Logger({ sink: fileSink({ path, pid: 77 }), verbosity: 0, clock });
    logger.notice('before');
    renameSync(path, join(dir, 'hastmon.log.1'));
    logger.notice('still into the renamed file');
    expect(logger.reopen()).toBe('reopened');
    logger.notice('after');
    await logger.close();
    expect(readFileSync(join(dir, 'hastmon.log.1'), 'utf8')).toBe(line('before') + line('still into the renamed file'));
    expect(readFileSync(path, 'utf8')).toBe(line('after'));
  });

  it('keeps writing the old file when the path cannot be opened again, and says why', async () => {
    const dir = tempDir();
    const path = join(dir, 'hastmon.log');
    const logger = new Logger({ sink: fileSink({ path, pid: 77 }), verbosity: 0, clock });
    rmSync(dir, { recursive: true });
    const result = logger.reopen();
    expect(result).toEqual({ failed: expect.stringContaining(`cannot open the log file ${path}`) });
    logger.notice('not lost');
    await logger.close();
    expect(logger.stats()).toMatchObject({ written: 1, dropped: 0 });
  });

  it('after each size step, reopens a file that was moved away without being told', async () => {
    const dir = tempDir();
    const path = join(dir, 'hastmon.log');
    const step = line('x').length * 3;
    const logger = new Logger({ sink: fileSink({ path, pid: 77, checkEveryBytes: step }), verbosity: 0, clock });
    logger.notice('x');
    renameSync(path, join(dir, 'hastmon.log.1'));
    logger.notice('x');
    logger.notice('x'); // the third line completes the step: the path is checked after it
    logger.notice('y');
    await logger.close();
    expect(readFileSync(join(dir, 'hastmon.log.1'), 'utf8')).toBe(line('x').repeat(3));
    expect(readFileSync(path, 'utf8')).toBe(line('y'));
  });

  it('does not reopen at a size step while the path still names its file', async () => {
    const path = join(tempDir(), 'hastmon.log');
    const sink = fileSink({ path, pid: 77, checkEveryBytes: 1 });
    const logger = new Logger({ sink, verbosity: 0, clock });
    const inode = statSync(path).ino;
    for (const message of ['a', 'b', 'c']) logger.notice(message);
    await logger.close();
    expect(statSync(path).ino).toBe(inode);
    expect(readFileSync(path, 'utf8')).toBe(line('a') + line('b') + line('c'));
  });
});

describe('a log without a file', () => {
  it('has nothing to reopen', async () => {
    const logger = new Logger({
      sink: { format: () => '', write: () => 'ready', onceWritable: () => undefined, lastError: () => null, close: async () => undefined },
      verbosity: 0,
    });
    expect(logger.reopen()).toBe('no-file');
    await logger.close();
  });
});
