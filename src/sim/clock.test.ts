import { describe, expect, it } from 'vitest';
import { DriftingClock } from './clock.js';
import { Prng } from './prng.js';

describe('DriftingClock', () => {
  it('runs at its rate from its offset', () => {
    const clock = new DriftingClock(1000, 1.01);
    expect(clock.localAt(0)).toBe(1000);
    expect(clock.localAt(100)).toBeCloseTo(1101, 9);
    expect(clock.realDuration(101)).toBeCloseTo(100, 9);
  });

  it('finds the first real time at which the clock reads a local time, never early', () => {
    const rng = new Prng(11);
    for (let i = 0; i < 2000; i++) {
      const clock = new DriftingClock(rng.range(0, 1e9), rng.range(0.99, 1.01));
      const target = clock.localAt(rng.range(0, 1e5)) + rng.range(0, 1000);
      const real = clock.realWhen(target, 0);
      expect(clock.localAt(real)).toBeGreaterThanOrEqual(target);
      expect(clock.localAt(real) - target).toBeLessThan(1e-3);
    }
  });

  it('never answers a time before notBefore', () => {
    const clock = new DriftingClock(0, 1);
    expect(clock.realWhen(10, 50)).toBe(50);
  });

  it('answers a time after notBefore when the clock there is a hair short', () => {
    const clock = new DriftingClock(875_699_659.4, 0.99814);
    const now = 32_584.969;
    const target = clock.localAt(now) + 1e-7;
    const real = clock.realWhen(target, now);
    expect(real).toBeGreaterThan(now);
    expect(clock.localAt(real)).toBeGreaterThanOrEqual(target);
  });
});
