import { describe, expect, it } from 'vitest';
import { NodeCore } from '../core/node.js';
import { runBatch, runSimulation, type SimResult } from './run-simulation.js';

function failuresOf(results: SimResult[]): string[] {
  return results.flatMap((r) => [
    ...r.safetyViolations.map((v) => `seed ${r.seed}: safety: ${v.resource} at ${v.at.toFixed(1)}: ${v.message}`),
    ...r.livenessFailures.map((f) => `seed ${r.seed}: liveness: ${f}`),
  ]);
}

function batch(options: Parameters<typeof runBatch>[0]): SimResult[] {
  const results: SimResult[] = [];
  runBatch({ ...options, onResult: (r) => results.push(r) });
  return results;
}

/** Starts on its own vote alone: a partition then runs a resource twice. */
class NoQuorumCore extends NodeCore {
  protected override quorumSize(_resource: string): number {
    return 1;
  }
}

/** Never gathers enough votes: nothing ever starts. */
class UnreachableQuorumCore extends NodeCore {
  protected override quorumSize(_resource: string): number {
    return 99;
  }
}

describe('simulated larger clusters and harsher faults', () => {
  it('3 service nodes, 2 watchdogs, 3 resources: 60 seeds pass', () => {
    expect(failuresOf(batch({ first: 1, count: 60, nodes: 3, watchdogs: 2, resources: 3 }))).toEqual([]);
  });

  it('2 service nodes, 1 watchdog, 3 resources: 100 seeds pass', () => {
    expect(failuresOf(batch({ first: 1001, count: 100, resources: 3 }))).toEqual([]);
  });

  it('pauses longer than the guard: the holder stops first on waking, 150 seeds pass', () => {
    expect(failuresOf(batch({ first: 1, count: 150, longPauses: true }))).toEqual([]);
  });

  it('failing stops: blocked resources are reported as errored, not failures; 100 seeds pass', () => {
    const results = batch({ first: 1, count: 100, stopFailures: true });
    expect(failuresOf(results)).toEqual([]);
    expect(results.flatMap((r) => r.resources).some((r) => r.kind === 'errored')).toBe(true);
  });
});

describe('the checkers catch a broken core', () => {
  it('a core that starts without a quorum violates safety within 20 seeds', () => {
    const results = batch({ first: 1, count: 20, coreFactory: (config, opts) => new NoQuorumCore(config, opts) });
    const violations = results.flatMap((r) => r.safetyViolations);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]?.message).toMatch(/began starting while \S+ holds it/);
  });

  it('a core that never reaches a quorum fails liveness', () => {
    const result = runSimulation({ seed: 1, coreFactory: (config, opts) => new UnreachableQuorumCore(config, opts) });
    expect(result.safetyViolations).toEqual([]);
    expect(result.livenessFailures.join('\n')).toMatch(/r1 not settled .*0 RUNNING/);
  });
});
