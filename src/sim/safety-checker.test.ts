import { describe, expect, it } from 'vitest';
import { SafetyChecker } from './safety-checker.js';

const GUARD = 100;
const LEASE = 1000;
const checker = (): SafetyChecker => new SafetyChecker({ guard: GUARD, lease: LEASE });

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

  describe('services found running at start-up', () => {
    it('lets a copy found running overlap a claim made before it: hastmon did not start it', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.foundRunning('b', 'r', 500);
      c.probed('b', 'r', 520, true);
      c.endHold('b', 'r', 1600); // b stops its copy
      expect(c.violations).toEqual([]);
    });

    it('F1: flags an adoption while another node holds by a start, or within the guard after it began stopping', () => {
      const c = checker();
      c.beginHold('a', 'r', 0, 'start');
      c.foundRunning('b', 'r', 100);
      c.beginHold('b', 'r', 1200, 'adopt');
      expect(c.violations.map((v) => v.message)).toEqual([expect.stringMatching(/b took over a running resource while a holds it/)]);

      const d = checker();
      d.beginHold('a', 'r', 0, 'start');
      d.endHold('a', 'r', 1000);
      d.foundRunning('b', 'r', 900);
      d.beginHold('b', 'r', 1050, 'adopt');
      expect(d.violations.map((v) => v.message)).toEqual([expect.stringMatching(/b took over a running resource 50\.0 ms after a began stopping/)]);
    });

    it('F1: flags an adoption while another adopter holds, however soon after it adopted', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.foundRunning('b', 'r', 0);
      c.beginHold('a', 'r', 1000, 'adopt');
      c.beginHold('b', 'r', 1001, 'adopt');
      expect(c.violations.map((v) => v.message)).toEqual([expect.stringMatching(/b took over a running resource while a holds it \(adopted at 1000\.0 ms\)/)]);
    });

    it('F1: keeps the guard after an adopter began stopping, for an adoption as for a start', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.beginHold('a', 'r', 1000, 'adopt');
      c.endHold('a', 'r', 1500);
      c.foundRunning('b', 'r', 1400);
      c.beginHold('b', 'r', 1510, 'adopt');
      c.beginHold('n', 'r', 1520, 'start');
      expect(c.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/b took over a running resource 10\.0 ms after a began stopping a copy it had adopted/),
        expect.stringMatching(/n began starting 20\.0 ms after a began stopping a copy it had adopted/),
        expect.stringMatching(/n began starting while b holds it/),
      ]);
    });

    it('F1: flags a start while an adopter holds', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.beginHold('a', 'r', 1000, 'adopt');
      c.beginHold('b', 'r', 1100, 'start');
      expect(c.violations.map((v) => v.message)).toEqual([expect.stringMatching(/b began starting while a holds it \(adopted at 1000\.0 ms\)/)]);
    });

    it('F2: excuses a start before the probe answered, or by a node that has not heard the finder since', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.heard('b', 'a', 10);
      c.beginHold('b', 'r', 50, 'start'); // a's probe has not answered
      c.endHold('b', 'r', 60);
      c.probed('a', 'r', 100, true);
      c.beginHold('b', 'r', 300, 'start'); // b heard a only before a knew
      expect(c.violations).toEqual([]);
      expect(c.excusedFoundOverlaps).toBe(2);
    });

    it('F2: flags a start by a node that heard the finder after it knew, while the copy still runs', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.probed('a', 'r', 100, true);
      c.heard('b', 'a', 150);
      c.beginHold('b', 'r', 300, 'start');
      expect(c.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/b began starting while a runs it \(found running at a's start-up, known there since 100\.0 ms; b heard a since: a heartbeat sent at 150\.0 ms\)/),
      ]);
    });

    it('F2: no guard after the finder began stopping its copy, nor after the copy died', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.probed('a', 'r', 100, true);
      c.heard('b', 'a', 150);
      c.endHold('a', 'r', 1000);
      c.beginHold('b', 'r', 1001, 'start');
      c.foundRunning('n', 'r', 1500);
      c.probed('n', 'r', 1510, true);
      c.heard('m', 'n', 1520);
      c.serviceDied('n', 'r', 1530);
      c.endHold('b', 'r', 2000);
      c.stopSucceeded('b', 'r', 2010);
      c.beginHold('m', 'r', 2100, 'start');
      expect(c.violations).toEqual([]);
    });

    it('F2: a holder retrying its start begins nothing new; a probe saying stopped makes nothing known', () => {
      const c = checker();
      c.beginHold('b', 'r', 0, 'start');
      c.foundRunning('a', 'r', 50);
      c.probed('a', 'r', 100, true);
      c.heard('b', 'a', 150);
      c.beginHold('b', 'r', 1100, 'start'); // retry
      c.foundRunning('n', 'r', 50);
      c.probed('n', 'r', 100, false);
      c.heard('m', 'n', 150);
      c.beginHold('m', 'r', 1200, 'start');
      expect(c.violations.map((v) => v.message)).toEqual([expect.stringMatching(/m began starting while b holds it/)]);
    });

    it('F2: a new core has heard nothing yet', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.probed('a', 'r', 100, true);
      c.heard('b', 'a', 150);
      c.newCore('b');
      c.beginHold('b', 'r', 300, 'start');
      expect(c.violations).toEqual([]);
    });

    it('an adopted copy is a claim: a later start while it runs is a violation', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.beginHold('a', 'r', 1000, 'adopt');
      expect(c.isClaiming('a', 'r')).toBe(true);
      c.beginHold('b', 'r', 5000, 'start');
      expect(c.violations.map((v) => v.message)).toEqual([expect.stringMatching(/b began starting while a holds it/)]);
    });

    it('F3: flags an exit that leaves a found copy running, not one that stopped it first', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      c.foundRunning('a', 's', 0);
      c.probed('a', 's', 50, true);
      c.endHold('a', 's', 900);
      c.exited('a', 1000);
      expect(c.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(/a exited while r, which it found running \(before its probe answered\), still runs there/),
      ]);
    });

    it('a crash ends a found copy like any hold, and a found copy is not a claim', () => {
      const c = checker();
      c.foundRunning('a', 'r', 0);
      expect(c.isClaiming('a', 'r')).toBe(false);
      c.probed('a', 'r', 100, true);
      c.heard('b', 'a', 150);
      c.crashed('a', 200);
      c.beginHold('b', 'r', 210, 'start');
      expect(c.violations).toEqual([]);
    });
  });

  describe('pauses longer than the guard', () => {
    it('judges a finder that slept like a holder: excused if it stops its copy first on waking, flagged if not', () => {
      for (const stopsFirst of [true, false]) {
        const c = checker();
        c.foundRunning('a', 'r', 0);
        c.probed('a', 'r', 100, true);
        c.heard('b', 'a', 150);
        c.paused('a', 200, true);
        c.beginHold('b', 'r', 1500, 'start');
        c.resumed('a', 3000);
        if (stopsFirst) c.endHold('a', 'r', 3100);
        c.stepped('a', 3100);
        expect(c.violations.map((v) => v.message)).toEqual(
          stopsFirst ? [] : [expect.stringMatching(/b began starting while a held it, paused, and a did not stop on waking/)],
        );
      }
    });

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
