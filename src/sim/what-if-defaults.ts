// The what-if's defaults (hastmon -S), apart from the simulator so that the command line can
// name them without loading it.

import type { ScriptTimes } from './fake-scripts.js';
import type { PauseLoad } from './faults.js';

/** Trials of each act unless told otherwise: enough for a p99 that is not the worst case, in a few seconds. */
export const DEFAULT_TRIALS = 100;
/** A loss rate a poor but working network shows: 5 %. */
export const DEFAULT_LOSS = 0.05;
/**
 * Each node stops for 200 ms about every ten minutes: a long garbage collection or a virtual
 * machine's stall. Longer than the guard of the default lease, and than what a lease of 300 ms
 * leaves a holder between renewals; well inside the default lease.
 */
export const DEFAULT_PAUSES: PauseLoad = { length: 200, every: 600_000 };
/** A service that starts or stops in half a second; the probe and monitor answer in 50 ms. */
export const DEFAULT_SCRIPT_TIMES: ScriptTimes = { start: 500, stop: 500, check: 50 };
/**
 * The default soak: as many heartbeats between nodes as two hours of three nodes at the default
 * 200 ms heartbeat (each node's to every other: 6 per interval). That is a few seconds of work; a
 * larger or faster cluster soaks for fewer simulated minutes in the same time.
 */
export const DEFAULT_SOAK_DELIVERIES = 216_000;
/** The default soak is never longer than this, ms (a two-node cluster would go on for six hours). */
export const MAX_DEFAULT_SOAK_MS = 4 * 3_600_000;
/** A soak is cut into runs of at most this long, each its own seed, so that a failing one replays quickly. */
export const SOAK_RUN_MS = 600_000;
