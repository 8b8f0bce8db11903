import { describe, expect, it } from 'vitest';
import { spreadOf } from './percentiles.js';

describe('spreadOf', () => {
  it('takes nearest ranks: each figure is a sample', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(spreadOf(hundred)).toEqual({ count: 100, min: 1, median: 50, p99: 99, max: 100 });
    expect(spreadOf([7, 3, 5])).toEqual({ count: 3, min: 3, median: 5, p99: 7, max: 7 });
  });

  it('is null without samples, and one sample is every figure', () => {
    expect(spreadOf([])).toBeNull();
    expect(spreadOf([42])).toEqual({ count: 1, min: 42, median: 42, p99: 42, max: 42 });
  });
});
