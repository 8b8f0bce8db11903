// The timing a test cluster runs at, taken from the configuration's own defaults and rules, never
// restated: hastmon's defaults, or a shorter timing for tests whose point does not depend on them.
import { DEADTIME_IN_HEARTBEATS, DEFAULT_HEARTBEAT_INTERVAL_MS } from '../config/defaults.js';
import { DEFAULT_TIMING, resolveTiming } from '../config/timing.js';
import type { Timing } from '../core/types.js';

/**
 * `default`: what a configuration that sets no timing gets.
 * `short`: heartbeats twice as often, the deadtime the default number of heartbeats, and the lease
 * as short as the configuration allows (the deadtime): elections and failovers take half as long.
 */
export type ClusterTiming = 'default' | 'short';

/** Lines of the global section that set `timing`. */
export function timingLines(timing: Timing): string[] {
  return [`heartbeat_interval ${timing.heartbeatInterval}ms`, `deadtime ${timing.deadtime}ms`, `lease ${timing.lease}ms`];
}

function shortTiming(): Timing {
  const heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL_MS / 2;
  const deadtime = DEADTIME_IN_HEARTBEATS * heartbeatInterval;
  const { timing, errors } = resolveTiming({
    heartbeat_interval: { value: heartbeatInterval, line: 1 },
    deadtime: { value: deadtime, line: 2 },
    lease: { value: deadtime, line: 3 },
  });
  if (errors.length > 0) throw new Error(`the short test timing breaks the configuration's rules: ${errors.map((e) => e.message).join('; ')}`);
  return timing;
}

export function clusterTiming(kind: ClusterTiming): Timing {
  return kind === 'default' ? DEFAULT_TIMING : shortTiming();
}
