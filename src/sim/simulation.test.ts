import { describe, expect, it } from 'vitest';
import { failuresOf } from './failures.test-util.js';
import { runBatch, runSimulation, type SimResult } from './run-simulation.js';

function batch(options: Parameters<typeof runBatch>[0]): { results: SimResult[]; summary: ReturnType<typeof runBatch> } {
  const results: SimResult[] = [];
  const summary = runBatch({ ...options, onResult: (r) => results.push(r) });
  return { results, summary };
}

describe('simulated default cluster (2 service nodes, 1 watchdog, 2 resources)', () => {
  it('without the operator: keeps safety and settles after the heal for 200 seeds, no exceptions', () => {
    const { results, summary } = batch({ first: 1, count: 200, commands: false, foundRunning: false });
    expect(failuresOf(results)).toEqual([]);
    expect(summary.runs).toBe(200);
    // The runs did exercise hand-overs (a resource moving between nodes), not only a quiet start.
    expect(Number.isFinite(summary.closestHandover)).toBe(true);
    expect(summary.exercised).toMatchObject({ commands: 0, foundRunning: 0 });
  });

  it('with operator commands and services found running: 300 seeds keep safety and settle', () => {
    const { results, summary } = batch({ first: 1, count: 300 });
    expect(failuresOf(results)).toEqual([]);
    const x = summary.exercised;
    expect(x.commands).toBeGreaterThan(1000);
    expect(x.exits).toBeGreaterThan(20);
    expect(x.foundRunning).toBeGreaterThan(200);
    expect(x.adoptions).toBeGreaterThan(50);
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

  it('turning the operator off leaves the rest of the seed as it was', () => {
    const lines = (options: { commands: boolean; foundRunning: boolean }): string[] => {
      const trace: string[] = [];
      runSimulation({ seed: 1234, ...options, trace: (line) => trace.push(line) });
      return trace.filter((l) => l.includes('** network') || l.startsWith('plan'));
    };
    expect(lines({ commands: false, foundRunning: false })).toEqual(lines({ commands: true, foundRunning: true }));
  });
});
