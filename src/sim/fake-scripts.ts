// Fake resource scripts. A resource on a node is one "running" flag: start sets it, stop clears
// it, probe and monitor read it. How long a run takes, whether it fails or hangs, and whether its
// effect lands before it is killed are drawn from the seed.

import type { ScriptFaultRates } from './faults.js';
import type { Prng } from './prng.js';
import type { ScriptAction } from '../core/types.js';

export interface ScriptFate {
  /** Real milliseconds until the script exits on its own; Infinity when it hangs. */
  duration: number;
  /**
   * Real milliseconds after it began at which the script's effect on the resource lands (start:
   * running, stop: stopped), or null for never; at the latest as it exits. A start's service is up
   * before the script exits, so a start killed late may leave it running.
   */
  effectAt: number | null;
  /** Exit code; 'state' means probe/monitor answer from the flag when they exit (0 running, 1 not). */
  code: number | 'state';
}

/**
 * How long the resource's own scripts take when nothing goes wrong, real ms: `check` is the probe
 * at start-up and the monitor. Without them, each run takes a duration drawn from the seed.
 */
export interface ScriptTimes {
  start: number;
  stop: number;
  check: number;
}

/** `faulty`: the fault phase. Otherwise every script succeeds promptly. */
export function drawScriptFate(
  action: ScriptAction,
  faulty: boolean,
  rates: ScriptFaultRates,
  rng: Prng,
  times?: ScriptTimes,
): ScriptFate {
  // Drawn even when the times are given, so that the seed's other draws stay the same.
  const drawn = rng.range(5, 300);
  const normal = times === undefined ? drawn : action === 'start' || action === 'stop' ? times[action] : times.check;
  switch (action) {
    case 'probe':
    case 'monitor': {
      const duration = faulty ? faultyDuration(normal, rates.hang, rates.slow, rng) : normal;
      const failing = faulty && rng.chance(rates.fail);
      return { duration, effectAt: null, code: failing ? rng.pick([2, 3, 127]) : 'state' };
    }
    case 'start': {
      const duration = faulty ? faultyDuration(normal, rates.hang, rates.slow, rng) : normal;
      const failing = faulty && rng.chance(rates.fail);
      const landsAt = Number.isFinite(duration) ? duration / 2 : rng.range(0, 3000);
      // A failing or hanging start may or may not have brought the service up.
      const lands = (!failing && Number.isFinite(duration)) || rng.chance(0.5);
      return { duration, effectAt: lands ? landsAt : null, code: failing ? 1 : 0 };
    }
    case 'stop': {
      if (faulty && rng.chance(rates.stopFail)) {
        const duration = rng.pick([normal, Infinity, rng.range(3000, 6000)]);
        return { duration, effectAt: null, code: 1 };
      }
      return { duration: normal, effectAt: normal * 0.9, code: 0 };
    }
    case 'fence':
    case 'alert':
    case 'notify':
      return { duration: rng.range(5, 50), effectAt: null, code: 0 };
  }
}

function faultyDuration(normal: number, hang: number, slow: number, rng: Prng): number {
  if (rng.chance(hang)) return Infinity;
  if (rng.chance(slow)) return rng.range(1000, 6000);
  return normal;
}
