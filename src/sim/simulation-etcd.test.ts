import { describe, expect, it } from 'vitest';
import { failuresOf } from './failures.test-util.js';
import { runBatch, runSimulation, type SimResult } from './run-simulation.js';

function batch(options: Parameters<typeof runBatch>[0]): SimResult[] {
  const results: SimResult[] = [];
  runBatch({ ...options, onResult: (r) => results.push(r) });
  return results;
}

/** Lines of a seed's trace that show etcd at work: its writes and the claims the nodes' cores read. */
function etcdTrace(seed: number, options: Partial<Parameters<typeof runSimulation>[0]> = {}): string[] {
  const lines: string[] = [];
  runSimulation({ seed, etcd: {}, ...options, trace: (line) => lines.push(line) });
  return lines;
}

describe('simulated clusters with etcd as a voter (2 nodes; 3 nodes; 2 nodes and a watchdog)', () => {
  it('keeps safety and settles: 30 seeds, the three clusters in turn', () => {
    const results = batch({ first: 1, count: 30, etcd: {} });
    expect(failuresOf(results)).toEqual([]);
  });

  it('etcd does take part: keys are created and deleted, claims reach the cores, and leases are revoked', () => {
    const lines = etcdTrace(3);
    expect(lines.filter((l) => / \*\* etcd PUT \/hastmon\/r\d\/holder /.test(l)).length).toBeGreaterThan(1);
    expect(lines.filter((l) => / \*\* etcd DELETE /.test(l)).length).toBeGreaterThan(1);
    expect(lines.some((l) => / etcd r\d ours<=/.test(l))).toBe(true);
    expect(lines.some((l) => / etcd r\d theirs:/.test(l))).toBe(true);
    expect(lines.some((l) => / etcd r\d unreachable /.test(l))).toBe(true);
  });

  it('replays a seed exactly', () => {
    expect(etcdTrace(7)).toEqual(etcdTrace(7));
  });
});

describe('the checker catches a node that trusts an etcd lease longer than etcd keeps it', () => {
  it('etcd keeping leases for 70 % of their TTL (less than a holder counts on): two nodes run a resource at once', () => {
    const shape = { first: 100, count: 50, nodes: 2, watchdogs: 0 };
    const seeds = (results: SimResult[]): number[] => results.filter((r) => r.safetyViolations.length > 0).map((r) => r.seed);
    const weak = batch({ ...shape, etcd: { ttlFraction: 0.7 } });
    expect(seeds(weak).length).toBeGreaterThanOrEqual(2);
    expect(weak.flatMap((r) => r.safetyViolations).every((v) => /began starting .*(while|after) \S+ (holds|runs|began stopping)/.test(v.message))).toBe(true);
    // The same seeds with etcd keeping its leases for the TTL: nothing wrong.
    expect(failuresOf(batch({ ...shape, etcd: {} }))).toEqual([]);
  });
});
