import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';

const draw = (rng: Prng, n: number): number[] => Array.from({ length: n }, () => rng.nextUint32());

describe('Prng', () => {
  it('replays the same sequence for the same seed', () => {
    expect(draw(new Prng(42), 50)).toEqual(draw(new Prng(42), 50));
  });

  it('gives different sequences for neighbouring and large seeds', () => {
    expect(draw(new Prng(1), 10)).not.toEqual(draw(new Prng(2), 10));
    expect(draw(new Prng(2 ** 40), 10)).not.toEqual(draw(new Prng(2 ** 40 + 2 ** 32), 10));
  });

  it('keeps int() within its bounds, both ends reachable', () => {
    const rng = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(3, 6);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(6);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('spreads float() evenly enough', () => {
    const rng = new Prng(9);
    let below = 0;
    for (let i = 0; i < 10_000; i++) if (rng.float() < 0.25) below++;
    expect(below).toBeGreaterThan(2300);
    expect(below).toBeLessThan(2700);
  });

  it('forks streams that are deterministic and independent of later draws on the parent', () => {
    const a = new Prng(5);
    const b = new Prng(5);
    const forkA = a.fork();
    const forkB = b.fork();
    b.nextUint32();
    expect(draw(forkA, 10)).toEqual(draw(forkB, 10));
    expect(draw(new Prng(5).fork(), 10)).not.toEqual(draw(new Prng(5), 10));
  });
});
