import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS, DropCounters } from './drop-counters.js';

describe('DropCounters', () => {
  it('counts drops by reason', () => {
    const counters = new DropCounters();
    counters.record('bad-mac');
    counters.record('bad-mac');
    counters.record('not-friend');
    counters.record('stale');
    expect(counters.count('bad-mac')).toBe(2);
    expect(counters.count('truncated')).toBe(0);
    expect(counters.nonZero()).toEqual([
      { reason: 'bad-mac', count: 2 },
      { reason: 'stale', count: 1 },
      { reason: 'not-friend', count: 1 },
    ]);
  });

  it('covers every decode rejection, every replay verdict but fresh, future incarnations, unknown nodes and not-friend', () => {
    expect([...DROP_REASONS].sort()).toEqual(
      [
        'truncated',
        'oversized',
        'bad-magic',
        'bad-version',
        'bad-checksum',
        'missing-mac',
        'unexpected-mac',
        'bad-mac',
        'malformed',
        'duplicate',
        'stale',
        'old-incarnation',
        'future-incarnation',
        'unknown-node',
        'not-friend',
      ].sort(),
    );
  });

  it('has every reason explained where hastmonctl(8) describes the status', () => {
    const page = readFileSync(new URL('../../man/hastmonctl.8', import.meta.url), 'utf8');
    for (const reason of DROP_REASONS) expect(page, reason).toContain(`.Ql ${reason}`);
  });

  it('logs the first drop, then at most one per interval, reporting what it suppressed', () => {
    const counters = new DropCounters(10_000);
    expect(counters.shouldLog('bad-mac', 500)).toEqual({ log: true, suppressed: 0 });
    expect(counters.shouldLog('bad-mac', 600)).toEqual({ log: false });
    expect(counters.shouldLog('bad-mac', 10_499)).toEqual({ log: false });
    expect(counters.shouldLog('bad-mac', 10_500)).toEqual({ log: true, suppressed: 2 });
    expect(counters.shouldLog('bad-mac', 10_501)).toEqual({ log: false });
    expect(counters.shouldLog('bad-mac', 50_000)).toEqual({ log: true, suppressed: 1 });
    expect(counters.shouldLog('bad-mac', 70_000)).toEqual({ log: true, suppressed: 0 });
  });

  it('limits each reason on its own', () => {
    const counters = new DropCounters(10_000);
    expect(counters.shouldLog('bad-mac', 0)).toEqual({ log: true, suppressed: 0 });
    expect(counters.shouldLog('not-friend', 1)).toEqual({ log: true, suppressed: 0 });
    expect(counters.shouldLog('bad-mac', 2)).toEqual({ log: false });
    expect(counters.shouldLog('not-friend', 3)).toEqual({ log: false });
    expect(counters.shouldLog('not-friend', 10_001)).toEqual({ log: true, suppressed: 1 });
  });

  it('writes at most one line per interval under a flood', () => {
    const counters = new DropCounters();
    let lines = 0;
    let reported = 0;
    for (let now = 0; now < 60_000; now += 1) {
      const decision = counters.shouldLog('malformed', now);
      if (decision.log) {
        lines++;
        reported += decision.suppressed;
      }
    }
    // Lines at 0, 10 s, ..., 50 s; every drop up to 50 s was logged or reported as suppressed,
    // and the ones after the last line wait for the next.
    expect(lines).toBe(6);
    expect(reported).toBe(50_001 - lines);
  });
});
