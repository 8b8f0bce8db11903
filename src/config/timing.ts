// Cluster-wide timing from the global section, with the defaults and the checks that keep the
// lease arithmetic sound.
import {
  DEADTIME_IN_HEARTBEATS,
  DEFAULT_DEADTIME_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_OFFLINE_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  GUARD_FRACTION_OF_LEASE,
  MAX_CLOCK_DRIFT,
} from './defaults.js';
import type { Settings } from './model.js';
import { endorsementWindow, leaseForWindow } from '../core/quorum.js';
import type { Timing } from '../core/types.js';

/**
 * Heartbeat intervals a holder's endorsement window must span: one there, one back, one lost.
 * A shorter window lapses between two renewals, and the holder stops a resource nobody took from it.
 */
export const HEARTBEATS_PER_ENDORSEMENT_WINDOW = 3;

/**
 * The shortest guard (a tenth of the lease) accepted. The guard must cover how late a timer fires
 * (a millisecond by design); a lease of a few milliseconds, its guard rounded down to 0, would let
 * two nodes run a resource at the same moment. The fastest timing accepted is thus 5ms/20ms/20ms,
 * for a dedicated, quiet host: see QUIET_HOST_GUARD_MS.
 */
export const MIN_GUARD_MS = 2;

/**
 * A guard below this does not cover a young-generation garbage collection of Node (a few
 * milliseconds) or a busy host's scheduling delay: such a stall of the old holder at the wrong
 * moment lets the new one start before the old one begins to stop. Accepted, with a warning
 * (hastmon -t and the daemon's start), for operators who trade that for speed on a quiet host.
 */
export const QUIET_HOST_GUARD_MS = 5;

/** The warning for a guard under QUIET_HOST_GUARD_MS, or null. */
export function shortGuardWarning(timing: Timing): string | null {
  if (timing.guard >= QUIET_HOST_GUARD_MS) return null;
  return (
    `lease ${formatDuration(timing.lease)} leaves a guard of ${formatDuration(timing.guard)}: a stall of the holder longer than that ` +
    `(a garbage collection, a busy host) can let the next holder start before it begins to stop; ` +
    `use lease ${formatDuration(Math.ceil(QUIET_HOST_GUARD_MS / GUARD_FRACTION_OF_LEASE))} or more unless the host is dedicated and quiet`
  );
}

/** `200ms`, `1s`, `1.5s`: times in messages, in the units the file uses. */
export function formatDuration(ms: number): string {
  return ms < 1_000 || ms % 100 !== 0 ? `${ms}ms` : `${ms / 1_000}s`;
}

export function resolveTiming(global: Settings): { timing: Timing; errors: { line: number; message: string }[] } {
  const errors: { line: number; message: string }[] = [];
  const heartbeatInterval = global.heartbeat_interval?.value ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const deadtime = global.deadtime?.value ?? Math.max(DEFAULT_DEADTIME_MS, DEADTIME_IN_HEARTBEATS * heartbeatInterval);
  const lease = global.lease?.value ?? Math.max(DEFAULT_LEASE_MS, deadtime);
  // Defaults always satisfy both rules, so a failing rule always has a line to point at.
  if (global.deadtime !== undefined && deadtime <= 2 * heartbeatInterval) {
    errors.push({
      line: global.deadtime.line,
      message: `deadtime ${formatDuration(deadtime)} is too short for heartbeat_interval ${formatDuration(heartbeatInterval)}: expected more than twice the heartbeat interval (over ${formatDuration(2 * heartbeatInterval)})`,
    });
  }
  if (global.lease !== undefined && lease < deadtime) {
    errors.push({
      line: global.lease.line,
      message: `lease ${formatDuration(lease)} is shorter than deadtime ${formatDuration(deadtime)}: expected at least the deadtime`,
    });
  }
  const guard = Math.floor(lease * GUARD_FRACTION_OF_LEASE);
  // A default lease is at least DEFAULT_LEASE_MS, whose guard is above the minimum: only a given lease can fail.
  if (global.lease !== undefined && errors.length === 0 && guard < MIN_GUARD_MS) {
    errors.push({
      line: global.lease.line,
      message: `lease ${formatDuration(lease)} is too short: its guard, a tenth of it, would be ${formatDuration(guard)}, expected at least ${formatDuration(MIN_GUARD_MS)} to cover a timer's lateness (lease ${formatDuration(Math.ceil(MIN_GUARD_MS / GUARD_FRACTION_OF_LEASE))} or more)`,
    });
  }
  const timing: Timing = {
    heartbeatInterval,
    deadtime,
    lease,
    guard,
    maxClockDrift: MAX_CLOCK_DRIFT,
    shutdownGrace: global.shutdown_grace?.value ?? DEFAULT_SHUTDOWN_GRACE_MS,
    offlineDefault: DEFAULT_OFFLINE_MS,
  };
  // A holder counts an endorsement for less than the lease (drift and guards off); within that
  // window it must hear it renewed, a round of heartbeats each way, with room for a lost one.
  const window = endorsementWindow(timing);
  const given = global.lease ?? global.deadtime ?? global.heartbeat_interval;
  if (errors.length === 0 && given !== undefined && window < HEARTBEATS_PER_ENDORSEMENT_WINDOW * heartbeatInterval) {
    const needed = Math.ceil(leaseForWindow(HEARTBEATS_PER_ENDORSEMENT_WINDOW * heartbeatInterval, GUARD_FRACTION_OF_LEASE, MAX_CLOCK_DRIFT));
    errors.push({
      line: given.line,
      message: `lease ${formatDuration(lease)} is too short for heartbeat_interval ${formatDuration(heartbeatInterval)}: a holder would count each endorsement for only ${formatDuration(Math.floor(window))}, expected at least ${HEARTBEATS_PER_ENDORSEMENT_WINDOW} heartbeat intervals (lease ${formatDuration(needed)} or more)`,
    });
  }
  return { timing, errors };
}

/** The timing of a configuration that sets none: what the simulator and the scenario tests run at. */
export const DEFAULT_TIMING: Timing = resolveTiming({}).timing;
