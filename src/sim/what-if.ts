// What to expect of one given cluster (an operator's configuration, every node of it): seeded
// trials in which the holder of a resource crashes, or is sent HUP or TERM, timed from that moment
// to the next holder's start script beginning; and a soak of loss and process pauses, counting the
// time no node runs a resource and the holders that stop for want of endorsements. Each run is an
// ordinary run of the simulator (engine.ts) with the cluster given whole, checked as every run is.

import { steadyBoundOf } from './engine.js';
import type { ScriptTimes } from './fake-scripts.js';
import type { HolderAct, PauseLoad, SoakPlan } from './faults.js';
import type { ClusterPlan } from './cluster.js';
import { runSimulation, type CoreFactory, type SimOptions, type SimResult } from './run-simulation.js';
import { DEFAULT_SOAK_DELIVERIES, MAX_DEFAULT_SOAK_MS, SOAK_RUN_MS } from './what-if-defaults.js';

export const ACTS: readonly HolderAct[] = ['crash', 'hup', 'term'];

export interface WhatIfOptions {
  cluster: ClusterPlan;
  /** Trials of each act, seeds 1 to `trials`. */
  trials: number;
  /** Simulated soak, ms, in runs of at most SOAK_RUN_MS, seeds 1, 2, … */
  soakMs: number;
  loss: number;
  pauses: PauseLoad;
  scriptTimes: ScriptTimes;
  /** A replay: one trial of each act and one soak run, all with this seed. */
  seed?: number;
  coreFactory?: CoreFactory;
  /** The simulator's step-by-step trace of every run (for a replay). */
  trace?: (line: string) => void;
}

export type Experiment = HolderAct | 'soak';

export interface WhatIfFailure {
  experiment: Experiment;
  seed: number;
  kind: 'safety' | 'liveness';
  message: string;
}

export interface ActFigures {
  trials: number;
  /** ms from the act to the first start script another node began, one per resource the holder ran. */
  samples: number[];
  /** Resources the holder ran that no other node began to start before the run ended. */
  noTakeover: number;
}

export interface SoakFigures {
  runs: number;
  ms: number;
  /** Holders that stopped for want of endorsements (every node was up: only loss and pauses). */
  selfFences: number;
  /** Summed over the resources: time no node ran one, ms (sampled four times a heartbeat). */
  outageMs: number;
  resources: number;
}

export interface WhatIfResult {
  acts: Record<HolderAct, ActFigures>;
  soak: SoakFigures;
  failures: WhatIfFailure[];
  runs: number;
  simulatedMs: number;
}

/** The default soak for a cluster, ms: DEFAULT_SOAK_DELIVERIES heartbeats, in whole minutes. */
export function defaultSoakMs(cluster: ClusterPlan): number {
  const n = cluster.nodes.length;
  const ms = (DEFAULT_SOAK_DELIVERIES * cluster.timing.heartbeatInterval) / Math.max(1, n * (n - 1));
  return Math.max(60_000, Math.min(MAX_DEFAULT_SOAK_MS, Math.floor(ms / 60_000) * 60_000));
}

/** How the soak is cut: `runs` runs of `ms` each. */
export function soakRuns(soakMs: number): { runs: number; ms: number } {
  const runs = Math.max(1, Math.ceil(soakMs / SOAK_RUN_MS));
  return { runs, ms: soakMs / runs };
}

export function runWhatIf(options: WhatIfOptions): WhatIfResult {
  const { cluster, scriptTimes } = options;
  const timing = cluster.timing;
  // After its act a trial lasts as long as a failover may take (a quorum that hears itself runs
  // the resource within the steady bound) plus a stop and a start; then the node comes back.
  const trialMs = steadyBoundOf(timing) + scriptTimes.stop + scriptTimes.start;
  // After a run, every resource must settle: a node back from a crash probes, listens a deadtime,
  // endorses nobody for a lease; then an election, a stop and a start, with heartbeats to spare.
  const settleMs = timing.deadtime + 2 * timing.lease + scriptTimes.check + scriptTimes.stop + scriptTimes.start + 10 * timing.heartbeatInterval;
  const base: Omit<SimOptions, 'seed'> = {
    cluster,
    scriptTimes,
    commands: false,
    foundRunning: false,
    livenessBound: Math.ceil(settleMs / timing.heartbeatInterval),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
  };
  const result: WhatIfResult = {
    acts: { crash: noFigures(), hup: noFigures(), term: noFigures() },
    soak: { runs: 0, ms: 0, selfFences: 0, outageMs: 0, resources: cluster.resources.length },
    failures: [],
    runs: 0,
    simulatedMs: 0,
  };
  const seeds = (count: number): number[] => (options.seed === undefined ? Array.from({ length: count }, (_, i) => i + 1) : [options.seed]);
  const run = (experiment: Experiment, seed: number, soak: SoakPlan, extra: Partial<SimOptions> = {}): SimResult => {
    options.trace?.(`what-if: ${experiment} run, seed ${seed}`);
    const sim = runSimulation({ ...base, ...extra, seed, soak, ...(options.coreFactory === undefined ? {} : { coreFactory: options.coreFactory }) });
    result.runs++;
    result.simulatedMs += sim.simulatedMs;
    for (const v of sim.safetyViolations) result.failures.push({ experiment, seed, kind: 'safety', message: `${v.resource} at ${v.at.toFixed(1)} ms: ${v.message}` });
    for (const f of sim.livenessFailures) result.failures.push({ experiment, seed, kind: 'liveness', message: f });
    return sim;
  };

  for (const act of ACTS) {
    const figures = result.acts[act];
    for (const seed of seeds(options.trials)) {
      const sim = run(act, seed, { kind: 'holder', act, ms: trialMs });
      figures.trials++;
      for (const done of sim.holderActs) {
        for (const resource of done.resources) {
          const next = sim.starts.find((s) => s.at >= done.at && s.resource === resource && s.node !== done.node);
          if (next === undefined) figures.noTakeover++;
          else figures.samples.push(next.at - done.at);
        }
      }
    }
  }

  const cut = soakRuns(options.soakMs);
  for (const seed of seeds(cut.runs)) {
    const pauses = options.pauses.length > 0 ? { pauses: options.pauses } : {};
    const sim = run('soak', seed, { kind: 'loss', loss: options.loss, ms: cut.ms, ...pauses }, { selfFenceIsFailure: false });
    result.soak.runs++;
    result.soak.ms += cut.ms;
    result.soak.selfFences += sim.selfFences.length;
    result.soak.outageMs += sim.outageMs;
  }
  return result;
}

function noFigures(): ActFigures {
  return { trials: 0, samples: [], noTakeover: 0 };
}
