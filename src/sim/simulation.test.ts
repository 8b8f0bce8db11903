import { describe, expect, it } from 'vitest';
import { runBatch, runSimulation, type SimResult } from './run-simulation.js';

/** Every failing seed with what failed, so a red test says what to replay. */
function failuresOf(results: SimResult[]): string[] {
  return results.flatMap((r) => [
    ...r.safetyViolations.map((v) => `seed ${r.seed}: safety: ${v.resource} at ${v.at.toFixed(1)}: ${v.message}`),
    ...r.livenessFailures.map((f) => `seed ${r.seed}: liveness: ${f}`),
  ]);
}

describe('simulated default cluster (2 service nodes, 1 watchdog, 2 resources)', () => {
  it('keeps safety and settles after the heal for 300 seeds', () => {
    const results: SimResult[] = [];
    const summary = runBatch({ first: 1, count: 300, onResult: (r) => results.push(r) });
    expect(failuresOf(results)).toEqual([]);
    expect(summary.runs).toBe(300);
    // The runs did exercise hand-overs (a resource moving between nodes), not only a quiet start.
    expect(Number.isFinite(summary.closestHandover)).toBe(true);
  });

  it('replays a seed exactly: same trace, same result', () => {
    const run = (seed: number): { trace: string[]; result: SimResult } => {
      const trace: string[] = [];
      const result = runSimulation({ seed, trace: (line) => trace.push(line) });
      return { trace, result };
    };
    const first = run(1234);
    const second = run(1234);
    expect(first.trace.length).toBeGreaterThan(500);
    expect(second.trace).toEqual(first.trace);
    expect(second.result).toEqual(first.result);
    expect(run(1235).trace).not.toEqual(first.trace);
  });

  it('gives the same result with and without a trace', () => {
    const traced = runSimulation({ seed: 77, trace: () => undefined });
    expect(runSimulation({ seed: 77 })).toEqual(traced);
  });
});
