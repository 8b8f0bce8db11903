import { describe, expect, it } from 'vitest';
import { ReplayWindow } from './replay-window.js';

const LEASE = 1_000;

describe('ReplayWindow', () => {
  it('accepts the first heartbeat of a sender and then only newer sequence numbers', () => {
    const window = new ReplayWindow(LEASE);
    expect(window.check('lolek', 1000, 5, 0)).toBe('fresh');
    expect(window.check('lolek', 1000, 6, 1)).toBe('fresh');
    expect(window.check('lolek', 1000, 9, 2)).toBe('fresh');
    expect(window.check('lolek', 1000, 7, 3)).toBe('stale');
    expect(window.check('lolek', 1000, 0, 4)).toBe('stale');
    expect(window.check('lolek', 1000, 10, 5)).toBe('fresh');
  });

  it('calls the same datagram over a second channel a duplicate', () => {
    const window = new ReplayWindow(LEASE);
    expect(window.check('lolek', 1000, 5, 0)).toBe('fresh');
    expect(window.check('lolek', 1000, 5, 1)).toBe('duplicate');
  });

  it('resets the sequence on a newer incarnation and refuses the previous run while the new one is heard', () => {
    const window = new ReplayWindow(LEASE);
    expect(window.check('lolek', 1000, 500, 0)).toBe('fresh');
    expect(window.check('lolek', 2000.5, 0, 10)).toBe('fresh');
    expect(window.check('lolek', 2000.5, 1, 20)).toBe('fresh');
    expect(window.check('lolek', 1000, 501, 30)).toBe('old-incarnation');
    expect(window.check('lolek', 2000.5, 1, 40)).toBe('duplicate');
  });

  it('does not move on anything but a fresh heartbeat', () => {
    const window = new ReplayWindow(LEASE);
    window.check('lolek', 2000, 10, 0);
    window.check('lolek', 1000, 99, 1);
    window.check('lolek', 2000, 3, 2);
    expect(window.check('lolek', 2000, 10, 3)).toBe('duplicate');
    expect(window.check('lolek', 2000, 11, 4)).toBe('fresh');
  });

  it('keeps senders apart', () => {
    const window = new ReplayWindow(LEASE);
    expect(window.check('lolek', 1000, 5, 0)).toBe('fresh');
    expect(window.check('bolek', 1000, 5, 0)).toBe('fresh');
    expect(window.check('bolek', 1000, 4, 0)).toBe('stale');
    expect(window.check('lolek', 1000, 6, 0)).toBe('fresh');
    expect(window.size).toBe(2);
  });

  it('lets a captured incarnation lapse: an incarnation far ahead hides the real one for the lease only', () => {
    const window = new ReplayWindow(LEASE);
    expect(window.check('bolek', 1000, 7, 0)).toBe('fresh');
    expect(window.check('bolek', 1e300, 1, 100)).toBe('fresh'); // forged, or a corrupted datagram
    expect(window.check('bolek', 1000, 8, 200)).toBe('old-incarnation');
    expect(window.check('bolek', 1000, 12, 100 + LEASE - 1)).toBe('old-incarnation');
    expect(window.check('bolek', 1000, 13, 100 + LEASE)).toBe('fresh');
    expect(window.check('bolek', 1000, 14, 100 + LEASE + 200)).toBe('fresh');
    expect(window.check('bolek', 1e300, 2, 100 + LEASE + 300)).toBe('fresh'); // while it is sent, it wins again
  });

  it('lets a captured sequence number lapse the same way', () => {
    const window = new ReplayWindow(LEASE);
    expect(window.check('bolek', 1000, 7, 0)).toBe('fresh');
    expect(window.check('bolek', 1000, 0xffff_ffff, 50)).toBe('fresh');
    expect(window.check('bolek', 1000, 8, 200)).toBe('stale');
    expect(window.check('bolek', 1000, 12, 50 + LEASE)).toBe('fresh');
  });

  it('forgets a node no longer a peer', () => {
    const window = new ReplayWindow(LEASE);
    window.check('bolek', 1000, 7, 0);
    window.forget('bolek');
    expect(window.size).toBe(0);
  });

  it('refuses a silence that is not positive', () => {
    expect(() => new ReplayWindow(0)).toThrow(/positive silence/);
  });
});
