import { describe, expect, it } from 'vitest';
import { NodeCore, type CoreStart } from '../core/node.js';
import { failuresOf } from './failures.test-util.js';
import { runBatch, runSimulation, type SimResult } from './run-simulation.js';
import { STANDARD_RULES, type QuorumRules } from '../core/quorum.js';
import type { CoreConfig } from '../core/types.js';

function batch(options: Parameters<typeof runBatch>[0]): SimResult[] {
  const results: SimResult[] = [];
  runBatch({ ...options, onResult: (r) => results.push(r) });
  return results;
}

/** Starts on its own vote alone: a partition then runs a resource twice. */
const noQuorum: QuorumRules = { ...STANDARD_RULES, quorumSize: () => 1 };

/** Never gathers enough votes: nothing ever starts. */
const unreachableQuorum: QuorumRules = { ...STANDARD_RULES, quorumSize: () => 99 };

/** Keeps whatever it finds running at start-up at once, without waiting for the voters' endorsement. */
const adoptAtOnce: QuorumRules = { ...STANDARD_RULES, foundCopyNeedsEndorsement: false };

/** Endorses the preferred node it hears even when that node shows no sign of hearing it. */
const endorsesTheDeaf: QuorumRules = { ...STANDARD_RULES, endorseOnlyNodesHearingUs: false };

const coreWith =
  (rules: QuorumRules) =>
  (config: CoreConfig, start: CoreStart): NodeCore =>
    new NodeCore(config, start, rules);

describe('simulated larger clusters and harsher faults', () => {
  it('3 service nodes, 2 watchdogs, 3 resources: 10 seeds', () => {
    expect(failuresOf(batch({ first: 1, count: 10, nodes: 3, watchdogs: 2, resources: 3 }))).toEqual([]);
  });

  it('two voters split between two candidates during a steady fault: the less preferred gives way (seed 1195, 3 + 2)', () => {
    expect(failuresOf([runSimulation({ seed: 1195, nodes: 3, watchdogs: 2, resources: 3 })])).toEqual([]);
  });

  it('2 service nodes, 1 watchdog, 3 resources: 30 seeds', () => {
    expect(failuresOf(batch({ first: 1001, count: 30, resources: 3 }))).toEqual([]);
  });

  it('pauses longer than the guard: the holder stops first on waking, 50 seeds', () => {
    expect(failuresOf(batch({ first: 1, count: 50, longPauses: true }))).toEqual([]);
  });

  it('failing stops: blocked resources are reported as errored, not failures; 40 seeds', () => {
    const results = batch({ first: 1, count: 40, stopFailures: true });
    expect(failuresOf(results)).toEqual([]);
    expect(results.flatMap((r) => r.resources).some((r) => r.kind === 'errored')).toBe(true);
  });
});

describe('operator commands', () => {
  it('a terminated node exits, and comes back later with a larger incarnation', () => {
    const seed = batch({ first: 1, count: 30, foundRunning: false }).find((r) => r.exercised.exits > 0)?.seed;
    expect(seed).toBeDefined();
    const trace: string[] = [];
    runSimulation({ seed: seed ?? 0, foundRunning: false, trace: (line) => trace.push(line) });
    const exit = trace.findIndex((l) => / \*\* \S+ exits$/.test(l));
    const name = / \*\* (\S+) exits$/.exec(trace[exit] ?? '')?.[1] ?? '?';
    const incarnations = trace
      .map((l, i) => ({ i, incarnation: Number(new RegExp(` \\*\\* ${name} starts, incarnation (\\d+)`).exec(l)?.[1]) }))
      .filter((s) => Number.isFinite(s.incarnation));
    const before = incarnations.filter((s) => s.i < exit).at(-1);
    const after = incarnations.find((s) => s.i > exit);
    expect(before).toBeDefined();
    expect(after?.incarnation).toBeGreaterThan(before?.incarnation ?? Infinity);
  });

  it('clearing a failed stop: the operator stops the resource by hand first', () => {
    const results = batch({ first: 1, count: 60, stopFailures: true, foundRunning: false });
    expect(results.reduce((n, r) => n + r.exercised.clearedByHand, 0)).toBeGreaterThan(0);
    expect(failuresOf(results)).toEqual([]);
  });
});

describe('the checkers catch a broken core', () => {
  it('a core that starts without a quorum violates safety within 20 seeds', () => {
    const results = batch({ first: 1, count: 20, commands: false, foundRunning: false, coreFactory: coreWith(noQuorum) });
    const violations = results.flatMap((r) => r.safetyViolations);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]?.message).toMatch(/began starting while \S+ holds it/);
  });

  it('a core that never reaches a quorum fails liveness', () => {
    const result = runSimulation({ seed: 1, commands: false, foundRunning: false, coreFactory: coreWith(unreachableQuorum) });
    expect(result.safetyViolations).toEqual([]);
    expect(result.livenessFailures.join('\n')).toMatch(/r1 during the steady fault, .*not running in a quorum that hears itself/);
    const noSteady = runSimulation({ seed: 1, commands: false, foundRunning: false, steady: false, coreFactory: coreWith(unreachableQuorum) });
    expect(noSteady.livenessFailures.join('\n')).toMatch(/r1 not settled .*0 RUNNING/);
  });

  it('a core whose voters endorse a node that cannot hear them leaves a quorum without the resource during a steady fault', () => {
    const failures = batch({ first: 150, count: 30, coreFactory: coreWith(endorsesTheDeaf) }).flatMap((r) => r.livenessFailures);
    expect(failures.filter((f) => /during the steady fault, .* not running in a quorum that hears itself/.test(f)).length).toBeGreaterThan(0);
    expect(failuresOf(batch({ first: 150, count: 30 }))).toEqual([]);
  });

  it('a core that keeps what it finds running at once, without asking, takes over resources other nodes hold', () => {
    const tookOver = (results: SimResult[]): number =>
      results.flatMap((r) => r.safetyViolations).filter((v) => /took over a running resource while \S+ holds it \(started at/.test(v.message)).length;
    const weak = tookOver(batch({ first: 1, count: 40, coreFactory: coreWith(adoptAtOnce) }));
    const real = tookOver(batch({ first: 1, count: 40 }));
    expect(weak).toBeGreaterThanOrEqual(real + 3);
  });
});
