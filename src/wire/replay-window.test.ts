import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SENDERS, ReplayWindow } from './replay-window.js';

describe('ReplayWindow', () => {
  it('accepts the first heartbeat of a sender and then only newer sequence numbers', () => {
    const window = new ReplayWindow();
    expect(window.check('lolek', 1000, 5)).toBe('fresh');
    expect(window.check('lolek', 1000, 6)).toBe('fresh');
    expect(window.check('lolek', 1000, 9)).toBe('fresh');
    expect(window.check('lolek', 1000, 7)).toBe('stale');
    expect(window.check('lolek', 1000, 0)).toBe('stale');
    expect(window.check('lolek', 1000, 10)).toBe('fresh');
  });

  it('calls the same datagram over a second channel a duplicate', () => {
    const window = new ReplayWindow();
    expect(window.check('lolek', 1000, 5)).toBe('fresh');
    expect(window.check('lolek', 1000, 5)).toBe('duplicate');
  });

  it('resets the sequence on a newer incarnation and refuses the previous run', () => {
    const window = new ReplayWindow();
    expect(window.check('lolek', 1000, 500)).toBe('fresh');
    expect(window.check('lolek', 2000.5, 0)).toBe('fresh');
    expect(window.check('lolek', 2000.5, 1)).toBe('fresh');
    expect(window.check('lolek', 1000, 501)).toBe('old-incarnation');
    expect(window.check('lolek', 2000.5, 1)).toBe('duplicate');
  });

  it('does not move on anything but a fresh heartbeat', () => {
    const window = new ReplayWindow();
    window.check('lolek', 2000, 10);
    window.check('lolek', 1000, 99);
    window.check('lolek', 2000, 3);
    expect(window.check('lolek', 2000, 10)).toBe('duplicate');
    expect(window.check('lolek', 2000, 11)).toBe('fresh');
  });

  it('keeps senders apart', () => {
    const window = new ReplayWindow();
    expect(window.check('lolek', 1000, 5)).toBe('fresh');
    expect(window.check('bolek', 1000, 5)).toBe('fresh');
    expect(window.check('bolek', 1000, 4)).toBe('stale');
    expect(window.check('lolek', 1000, 6)).toBe('fresh');
  });

  it('tracks at most its cap of senders, forgetting the least recently updated', () => {
    const window = new ReplayWindow(3);
    window.check('a', 1, 10);
    window.check('b', 1, 10);
    window.check('c', 1, 10);
    window.check('a', 1, 11); // 'b' is now the least recently updated
    window.check('b', 1, 10); // a duplicate does not count as an update
    window.check('d', 1, 10);
    expect(window.size).toBe(3);
    expect(window.check('a', 1, 11)).toBe('duplicate');
    expect(window.check('c', 1, 10)).toBe('duplicate');
    expect(window.check('d', 1, 10)).toBe('duplicate');
    expect(window.check('b', 1, 9)).toBe('fresh'); // forgotten, so an old sequence passes again
  });

  it('stays bounded under a flood of invented sender names', () => {
    const window = new ReplayWindow();
    for (let i = 0; i < 10_000; i++) window.check(`forged-${i}`, 1, 1);
    expect(window.size).toBe(DEFAULT_MAX_SENDERS);
  });

  it('refuses a cap below one', () => {
    expect(() => new ReplayWindow(0)).toThrow(/at least one sender/);
  });
});
