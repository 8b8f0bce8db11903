// One simulated node, for the simulator and the scenario harness alike: the machine (clock, fake
// resources, running scripts) and the hastmon process on it (its core, or none while it is down).

import { DriftingClock } from './clock.js';
import type { SimNodeSpec } from './cluster.js';
import type { ScriptFate } from './fake-scripts.js';
import type { ClockSpec } from './faults.js';
import type { SimCore } from './sim-core.js';
import type { Input, ScriptAction } from '../core/types.js';

export interface ActiveRun {
  resource: string;
  action: ScriptAction;
  fate: ScriptFate;
  /** Runs past its timeout: the shell kills it then and reports a time-out. */
  timesOut: boolean;
}

/** An input for the core; runId names a script result. */
export interface QueuedInput {
  input: Input;
  runId: number | null;
  /** A heartbeat: the real time its sender sent it. */
  sentReal?: number;
}

export interface Pause {
  /** Heartbeats and script results received meanwhile, in order. */
  inbox: QueuedInput[];
  startedLocal: number;
}

export interface SimNode {
  index: number;
  name: string;
  watchdog: boolean;
  clock: DriftingClock;
  core: SimCore | null;
  booted: boolean;
  incarnation: number;
  /** Bumps whenever the process starts or ends: events of an earlier life are void. */
  life: number;
  wakeToken: number;
  /** Real time of the pending wake, NaN for none. */
  wakeAt: number;
  /** The last local time fed to the core: never goes back. */
  lastLocal: number;
  pause: Pause | null;
  runs: Map<number, ActiveRun>;
  /** Fake resources running on this machine. */
  running: Set<string>;
  /** Resources whose last reported stop failed here. */
  dirty: Set<string>;
  /** What each run of this life was, to name it in traces after it ended. */
  actions: Map<number, ScriptAction>;
  /** Detects a core that keeps asking for a tick at the same instant. */
  stepsAtInstant: number;
  instant: number;
  /** Simulator: this life's core was told to TERM, so its exit is expected. */
  terminating: boolean;
  /** Simulator: after a TERM, how long hastmon stays down once it exits (real ms). */
  downFor: number;
}

/** A machine not yet booted. */
export function newSimNode(index: number, spec: SimNodeSpec, clock: ClockSpec): SimNode {
  return {
    index,
    name: spec.name,
    watchdog: spec.watchdog,
    clock: new DriftingClock(clock.offset, clock.rate),
    core: null,
    booted: false,
    incarnation: 0,
    life: 0,
    wakeToken: 0,
    wakeAt: NaN,
    lastLocal: -Infinity,
    pause: null,
    runs: new Map(),
    running: new Set(),
    dirty: new Set(),
    actions: new Map(),
    terminating: false,
    downFor: 0,
    stepsAtInstant: 0,
    instant: NaN,
  };
}
