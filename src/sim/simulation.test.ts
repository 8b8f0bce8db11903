import { describe, expect, it } from 'vitest';
import { NodeCore, type CoreStart } from '../core/node.js';
import { failuresOf } from './failures.test-util.js';
import { runBatch, runSimulation, type SimResult } from './run-simulation.js';
import type { CoreConfig, Effect, Input } from '../core/types.js';

function batch(options: Parameters<typeof runBatch>[0]): { results: SimResult[]; summary: ReturnType<typeof runBatch> } {
  const results: SimResult[] = [];
  const summary = runBatch({ ...options, onResult: (r) => results.push(r) });
  return { results, summary };
}

describe('simulated default cluster (2 service nodes, 1 watchdog, 2 resources)', () => {
  it('without the operator: keeps safety and settles after the heal for 80 seeds, no exceptions', () => {
    const { results, summary } = batch({ first: 1, count: 80, commands: false, foundRunning: false });
    expect(failuresOf(results)).toEqual([]);
    expect(summary.runs).toBe(80);
    // The runs did exercise hand-overs (a resource moving between nodes), not only a quiet start.
    expect(Number.isFinite(summary.closestHandover)).toBe(true);
    expect(summary.exercised).toMatchObject({ commands: 0, foundRunning: 0 });
  });

  it('with operator commands and services found running: 100 seeds keep safety and settle', () => {
    const { results, summary } = batch({ first: 1, count: 100 });
    expect(failuresOf(results)).toEqual([]);
    const x = summary.exercised;
    expect(x.commands).toBeGreaterThan(400);
    expect(x.exits).toBeGreaterThan(20);
    expect(x.foundRunning).toBeGreaterThan(60);
    expect(x.adoptions).toBeGreaterThan(8);
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

/** A core whose lifecycle asserts: once armed, any heartbeat is an event it does not expect. */
class AssertingCore extends NodeCore {
  constructor(
    config: CoreConfig,
    start: CoreStart,
    private readonly armed: () => boolean,
  ) {
    super(config, start);
  }

  override step(now: number, input: Input): Effect[] {
    if (this.armed() && input.kind === 'heartbeat') throw new Error('assertion failed: heartbeat not expected here');
    return super.step(now, input);
  }
}

describe('a core that throws (a failed assertion)', () => {
  it('fails that seed with the message, and the batch goes on with the next seed', () => {
    let armed = false;
    const results: SimResult[] = [];
    const summary = runBatch({
      first: 1,
      count: 3,
      coreFactory: (config, start) => new AssertingCore(config, start, () => armed),
      onResult: (result) => {
        results.push(result);
        armed = result.seed === 1; // only seed 2 runs armed
      },
    });
    expect(summary.runs).toBe(3);
    expect(summary.failingSeeds).toEqual([2]);
    expect(failuresOf(results.filter((r) => r.seed !== 2))).toEqual([]);
    expect(results[1]?.livenessFailures).toEqual([expect.stringMatching(/^\S+'s core threw at [\d.]+ ms: assertion failed: heartbeat not expected here$/)]);
  });

  it('replays with a trace that ends in the error and the core\'s stack', () => {
    const trace: string[] = [];
    const result = runSimulation({ seed: 2, coreFactory: (config, start) => new AssertingCore(config, start, () => true), trace: (line) => trace.push(line) });
    expect(result.livenessFailures).toHaveLength(1);
    const aborted = trace.at(-1) ?? '';
    expect(aborted).toMatch(/\*\* aborted: \S+'s core threw at [\d.]+ ms: assertion failed: heartbeat not expected here\n/);
    expect(aborted).toMatch(/at AssertingCore\.step/);
  });
});
