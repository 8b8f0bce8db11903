import { describe, expect, it } from 'vitest';
import { EARLY_SEND_BURST, SendBudget } from './send-budget.js';

const REFILL_MS = 4;

describe('SendBudget', () => {
  it('lets a whole burst go at once, then one per refill period', () => {
    const budget = new SendBudget(REFILL_MS);
    for (let i = 0; i < EARLY_SEND_BURST; i++) {
      expect(budget.availableAt(100)).toBe(100);
      budget.spend(100);
    }
    expect(budget.availableAt(100)).toBe(100 + REFILL_MS);
    expect(budget.availableAt(101)).toBe(100 + REFILL_MS);
    budget.spend(104);
    expect(budget.availableAt(104)).toBe(108);
  });

  it('refills over time, never beyond the burst', () => {
    const budget = new SendBudget(REFILL_MS);
    for (let i = 0; i < EARLY_SEND_BURST; i++) budget.spend(0);
    // Two periods later: two sends at once, the third waits.
    budget.spend(2 * REFILL_MS);
    budget.spend(2 * REFILL_MS);
    expect(budget.availableAt(2 * REFILL_MS)).toBe(3 * REFILL_MS);
    // After a long quiet time the whole burst is back, and no more.
    const later = 1_000_000;
    for (let i = 0; i < EARLY_SEND_BURST; i++) {
      expect(budget.availableAt(later)).toBe(later);
      budget.spend(later);
    }
    expect(budget.availableAt(later)).toBe(later + REFILL_MS);
  });

  it('bounds a node whose report never stops changing to one early send per refill period', () => {
    const budget = new SendBudget(REFILL_MS);
    let now = 0;
    let sent = 0;
    // Every send asks for the next one at once: the budget alone paces them.
    while (now < 1000) {
      now = budget.availableAt(now);
      budget.spend(now);
      sent++;
    }
    expect(sent).toBeLessThanOrEqual(EARLY_SEND_BURST + Math.ceil(1000 / REFILL_MS) + 1);
    expect(sent).toBeGreaterThanOrEqual(Math.floor(1000 / REFILL_MS));
  });
});
