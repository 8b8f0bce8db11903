import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';
import { Prng } from './prng.js';

describe('EventQueue', () => {
  it('pops by time, equal times in insertion order', () => {
    const q = new EventQueue<string>();
    q.push(5, 'c');
    q.push(1, 'a');
    q.push(5, 'd');
    q.push(3, 'b');
    q.push(5, 'e');
    const out: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.event);
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('stays ordered under many random pushes and pops', () => {
    const rng = new Prng(3);
    const q = new EventQueue<number>();
    let last = -Infinity;
    for (let i = 0; i < 5000; i++) {
      q.push(last === -Infinity ? rng.range(0, 100) : last + rng.range(0, 100), i);
      if (rng.chance(0.4)) {
        const e = q.pop();
        if (e !== undefined) {
          expect(e.at).toBeGreaterThanOrEqual(last);
          last = e.at;
        }
      }
    }
    expect(q.peekTime()).toBeGreaterThanOrEqual(last);
  });

  it('refuses a time that is not finite', () => {
    expect(() => new EventQueue<number>().push(Infinity, 1)).toThrow(/finite/);
  });
});
