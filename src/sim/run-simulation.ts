// The simulator's entry for callers: one seeded run against the real core unless told otherwise,
// and a batch of seeds summed up the way `npm run sim` reports them.

import { NodeCore } from '../core/node.js';
import { DEFAULT_LIVENESS_BOUND, simulate, type CoreFactory, type Exercised, type SimOptions, type SimResult } from './engine.js';

export { DEFAULT_LIVENESS_BOUND };
export type { CoreFactory, Exercised, SimOptions, SimResult };

export const realCore: CoreFactory = (config, opts) => new NodeCore(config, opts);

export function runSimulation(options: SimOptions & { coreFactory?: CoreFactory }): SimResult {
  return simulate(options, options.coreFactory ?? realCore);
}

export interface BatchOptions extends Omit<SimOptions, 'seed' | 'trace'> {
  first: number;
  count: number;
  coreFactory?: CoreFactory;
  /** Called after each run, e.g. to print failures as they come. */
  onResult?: (result: SimResult) => void;
}

export interface BatchSummary {
  runs: number;
  safetyViolations: number;
  livenessFailures: number;
  /** Resource outcomes latched ERRORED or blocked by a failed stop (reported, not failures). */
  errored: number;
  failingSeeds: number[];
  /** The slowest settling after the heal among resources that settled, ms. */
  slowestSettle: number;
  closestHandover: number;
  /** Summed over the runs. */
  exercised: Exercised;
}

export function runBatch(options: BatchOptions): BatchSummary {
  const summary: BatchSummary = {
    runs: 0,
    safetyViolations: 0,
    livenessFailures: 0,
    errored: 0,
    failingSeeds: [],
    slowestSettle: 0,
    closestHandover: Infinity,
    exercised: { commands: 0, exits: 0, clearedByHand: 0, foundRunning: 0, adoptions: 0, excusedFoundOverlaps: 0 },
  };
  const { first, count, onResult, ...simOptions } = options;
  for (let seed = first; seed < first + count; seed++) {
    const result = runSimulation({ ...simOptions, seed });
    summary.runs++;
    summary.safetyViolations += result.safetyViolations.length;
    summary.livenessFailures += result.livenessFailures.length;
    summary.errored += result.resources.filter((r) => r.kind === 'errored').length;
    if (result.safetyViolations.length > 0 || result.livenessFailures.length > 0) summary.failingSeeds.push(seed);
    for (const r of result.resources) {
      if (r.settledAfter !== null) summary.slowestSettle = Math.max(summary.slowestSettle, r.settledAfter);
    }
    summary.closestHandover = Math.min(summary.closestHandover, result.closestHandover);
    for (const key of Object.keys(summary.exercised) as (keyof Exercised)[]) summary.exercised[key] += result.exercised[key];
    onResult?.(result);
  }
  return summary;
}
