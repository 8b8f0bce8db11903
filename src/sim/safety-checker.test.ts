import { describe, expect, it } from 'vitest';
import { SafetyChecker } from './safety-checker.js';

const GUARD = 100;
const LEASE = 1000;
const checker = (): SafetyChecker => new SafetyChecker(GUARD, LEASE);

describe('SafetyChecker', () => {
  it('accepts a hand-over at least the guard after the old holder began stopping', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.endHold('a', 'r', 1000);
    c.beginHold('b', 'r', 1100, 'start');
    expect(c.violations).toEqual([]);
    expect(c.closestHandover).toBe(100);
  });

  it('flags a start while another node holds', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.beginHold('b', 'r', 500, 'start');
    expect(c.violations).toHaveLength(1);
    expect(c.violations[0]?.message).toMatch(/b began starting while a holds it/);
  });

  it('flags a start within the guard after the old holder began stopping', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.endHold('a', 'r', 1000);
    c.beginHold('b', 'r', 1099, 'start');
    expect(c.violations).toHaveLength(1);
    expect(c.violations[0]?.message).toMatch(/99\.0 ms after a began stopping/);
  });

  it('waives the guard once the old holder’s stop has exited 0', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.endHold('a', 'r', 1000);
    c.stopSucceeded('a', 'r', 1040);
    c.beginHold('b', 'r', 1050, 'start');
    expect(c.violations).toEqual([]);
  });

  it('keeps the guard when the old holder is stopping again after a clean stop', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.endHold('a', 'r', 1000);
    c.stopSucceeded('a', 'r', 1040);
    c.beginHold('a', 'r', 2000, 'start');
    c.endHold('a', 'r', 3000);
    c.beginHold('b', 'r', 3050, 'start');
    expect(c.violations).toHaveLength(1);
  });

  it('ends a hold at a crash, and holds per resource', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.beginHold('a', 's', 0, 'start');
    c.crashed('a', 500);
    c.beginHold('b', 'r', 550, 'start');
    c.beginHold('b', 's', 700, 'start');
    expect(c.violations.map((v) => v.resource)).toEqual(['r']);
  });

  it('counts an adoption as beginning to hold', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.beginHold('b', 'r', 10, 'adopt');
    expect(c.violations[0]?.message).toMatch(/took over a running resource/);
  });

  it('does not check a node against itself (a local restart)', () => {
    const c = checker();
    c.beginHold('a', 'r', 0, 'start');
    c.endHold('a', 'r', 100);
    c.beginHold('a', 'r', 120, 'start');
    expect(c.violations).toEqual([]);
  });

  describe('pauses longer than the guard', () => {
    it('excuses a start made while the holder slept if it stops as its first act on waking', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.paused('a', 100, true);
      c.beginHold('b', 'r', 1500, 'start');
      c.resumed('a', 3000);
      c.endHold('a', 'r', 3100);
      c.stepped('a', 3100);
      expect(c.violations).toEqual([]);
    });

    it('flags the overtaken holder that does not stop first, and the start it overlapped', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.paused('a', 100, true);
      c.beginHold('b', 'r', 1500, 'start');
      c.resumed('a', 3000);
      c.stepped('a', 3100);
      expect(c.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/a held it through a 3000\.0 ms pause and did not stop as its first act/),
        expect.stringMatching(/b began starting while a held it, paused, and a did not stop on waking/),
      ]);
    });

    it('lets a holder keep a resource through a pause shorter than the lease if nobody started', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.paused('a', 100, true);
      c.resumed('a', 400);
      c.stepped('a', 500);
      expect(c.violations).toEqual([]);
    });

    it('judges later starts from when the pause began', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.paused('a', 100, true);
      c.resumed('a', 2000);
      c.endHold('a', 'r', 2100);
      c.stepped('a', 2100);
      c.beginHold('b', 'r', 2120, 'start');
      expect(c.violations).toEqual([]);
    });

    it('still holds a short pause to the strict rule', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.paused('a', 100, false);
      c.beginHold('b', 'r', 150, 'start');
      expect(c.violations).toHaveLength(1);
    });

    it('treats a crash during a long pause like stopping when it fell asleep', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.paused('a', 100, true);
      c.beginHold('b', 'r', 1500, 'start');
      c.crashed('a', 1600);
      c.beginHold('n', 'r', 1650, 'start');
      expect(c.violations).toHaveLength(1); // n overlapped b, not a
      expect(c.violations[0]?.message).toMatch(/n began starting while b holds it/);
    });
  });
});
