// What a batch of simulated runs did wrong, one line each, so that a red test says what to replay.
import type { SimResult } from './run-simulation.js';

/** Every failure of the runs, `seed N: safety: …` or `seed N: liveness: …`, so a red test says what to replay. */
export function failuresOf(results: readonly SimResult[]): string[] {
  return results.flatMap((r) => [
    ...r.safetyViolations.map((v) => `seed ${r.seed}: safety: ${v.resource} at ${v.at.toFixed(1)}: ${v.message}`),
    ...r.livenessFailures.map((f) => `seed ${r.seed}: liveness: ${f}`),
  ]);
}
