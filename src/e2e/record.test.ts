import { describe, expect, it } from 'vitest';
import { intervalsOf, overlapViolations, parseRecord, type RecordLine } from './record.js';

const line = (node: string, event: RecordLine['event'], atMs: number): RecordLine => ({ node, event, atMs });

describe('parseRecord', () => {
  it('reads node, event and a nanosecond time as milliseconds', () => {
    expect(parseRecord('lolek start-begin 1700000000.123456789\nbolek stop-end 1700000001.5\n')).toEqual([
      { node: 'lolek', event: 'start-begin', atMs: 1700000000123.4568 },
      { node: 'bolek', event: 'stop-end', atMs: 1700000001500 },
    ]);
  });

  it('refuses a torn or foreign line instead of skipping it', () => {
    expect(() => parseRecord('lolek start-begin 17000\n')).toThrow(/line 1 is malformed/);
    expect(() => parseRecord('lolek start-begin 1.0\nlolek restart 2.0\n')).toThrow(/line 2 is malformed/);
  });
});

describe('intervalsOf', () => {
  it('runs from start-begin to stop-begin; a stop with nothing open (the start-up clean-up) closes nothing', () => {
    const lines = [line('a', 'stop-begin', 0), line('a', 'stop-end', 1), line('a', 'start-begin', 10), line('a', 'start-end', 12), line('a', 'stop-begin', 50), line('a', 'stop-end', 55)];
    expect(intervalsOf(lines)).toEqual([{ node: 'a', begin: 10, end: 50, finished: 55, endedBy: 'stop' }]);
  });

  it('ends a crashed node at the kill and a frozen one at the freeze, whose later stop finishes it', () => {
    const lines = [line('a', 'start-begin', 10), line('b', 'start-begin', 20), line('b', 'stop-begin', 300), line('b', 'stop-end', 310)];
    const intervals = intervalsOf(lines, [
      { node: 'a', kind: 'crash', atMs: 100 },
      { node: 'b', kind: 'freeze', atMs: 200 },
    ]);
    expect(intervals).toEqual([
      { node: 'a', begin: 10, end: 100, finished: 100, endedBy: 'crash' },
      { node: 'b', begin: 20, end: 200, finished: 310, endedBy: 'freeze' },
    ]);
  });

  it('keeps a retried start in one interval and leaves a running one open', () => {
    const intervals = intervalsOf([line('a', 'start-begin', 10), line('a', 'start-begin', 20)]);
    expect(intervals).toEqual([{ node: 'a', begin: 10, end: Infinity, finished: Infinity, endedBy: 'running' }]);
  });
});

describe('overlapViolations', () => {
  const clean = [line('a', 'start-begin', 0), line('a', 'stop-begin', 100), line('a', 'stop-end', 120), line('b', 'start-begin', 130)];

  it('accepts a handover after the old stop finished, however close', () => {
    expect(overlapViolations(intervalsOf(clean), 100)).toEqual([]);
  });

  it('reports two nodes running at once', () => {
    const problems = overlapViolations(intervalsOf([line('a', 'start-begin', 0), line('b', 'start-begin', 50)]), 100);
    expect(problems).toEqual(['overlap: a [+0 ms, still running] (running) and b [+50 ms, still running]']);
  });

  it('reports a start within the guard of a stop that had not finished', () => {
    const lines = [line('a', 'start-begin', 0), line('a', 'stop-begin', 100), line('b', 'start-begin', 150), line('a', 'stop-end', 160)];
    expect(overlapViolations(intervalsOf(lines), 100)).toEqual([
      'b began starting 50 ms after a began stopping, less than the guard of 100 ms, before that stop finished: a [+0 ms, +100 ms] (stop) and b [+150 ms, still running]',
    ]);
  });

  it('reports a start within the guard of a freeze, and accepts one a guard later', () => {
    const lines = [line('a', 'start-begin', 0), line('b', 'start-begin', 1050)];
    expect(overlapViolations(intervalsOf(lines, [{ node: 'a', kind: 'freeze', atMs: 1000 }]), 100)).toHaveLength(1);
    expect(overlapViolations(intervalsOf(lines, [{ node: 'a', kind: 'freeze', atMs: 900 }]), 100)).toEqual([]);
  });
});
