// Soaks: one kind of trouble for a long stretch, in which no healthy holder may stop.

import { describe, expect, it } from 'vitest';
import { resolveTiming } from '../config/timing.js';
import { runBatch, type SimResult } from './run-simulation.js';

function soak(options: Parameters<typeof runBatch>[0]): SimResult[] {
  const results: SimResult[] = [];
  runBatch({ ...options, onResult: (r) => results.push(r) });
  return results;
}

const selfFences = (results: SimResult[]): number => results.reduce((n, r) => n + r.selfFences.length, 0);

describe('a soak of random loss on every link', () => {
  it('30 % for 10 minutes at the default timing: no holder stops', () => {
    const results = soak({ first: 1, count: 1, soak: { kind: 'loss', loss: 0.3, ms: 600_000 }, commands: false, foundRunning: false });
    expect(selfFences(results)).toBe(0);
    expect(results.flatMap((r) => r.livenessFailures)).toEqual([]);
    expect(results.reduce((ms, r) => ms + r.outageMs, 0)).toBe(0);
  });

  it('counts the self-fences a loss beyond what the timing can bear causes, each a failure', () => {
    const results = soak({ first: 1, count: 2, soak: { kind: 'loss', loss: 0.7, ms: 120_000 }, commands: false, foundRunning: false });
    expect(selfFences(results)).toBeGreaterThan(0);
    expect(results.flatMap((r) => r.livenessFailures).some((f) => /for want of endorsements, with 3 of 3 voters up/.test(f))).toBe(true);
  });
});

describe('a soak of restarts on a healthy network', () => {
  // The fastest timing the configuration accepts: its guard is the smallest allowed.
  const fastest = resolveTiming({ heartbeat_interval: { value: 10, line: 1 }, deadtime: { value: 50, line: 1 }, lease: { value: 50, line: 1 } });

  it('no holder whose voters are up stops because another node came or went, at the fastest timing accepted (3 seeds)', () => {
    expect(fastest.errors).toEqual([]);
    const results = soak({ first: 1, count: 3, soak: { kind: 'restarts', ms: 45_000 }, timing: fastest.timing, foundRunning: false });
    expect(results.flatMap((r) => r.livenessFailures)).toEqual([]);
    expect(results.flatMap((r) => r.safetyViolations)).toEqual([]);
    // Restarts did happen, and a holder left without a quorum of settled voters did stop.
    expect(results.reduce((n, r) => n + r.exercised.commands, 0)).toBeGreaterThan(0);
    expect(results.flatMap((r) => r.selfFences).every((f) => f.justified)).toBe(true);
  });
});
