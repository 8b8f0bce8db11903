// What hastmon -S reports of a cluster, against what its timing promises.
import { describe, expect, it } from 'vitest';
import { NodeCore, type CoreStart } from '../core/node.js';
import { STANDARD_RULES, type QuorumRules } from '../core/quorum.js';
import type { CoreConfig } from '../core/types.js';
import { clusterOf } from './given-cluster.test-util.js';
import { spreadOf, type Spread } from './percentiles.js';
import { MAX_DEFAULT_SOAK_MS, SOAK_RUN_MS } from './what-if-defaults.js';
import { defaultSoakMs, runWhatIf, soakRuns, type WhatIfOptions, type WhatIfResult } from './what-if.js';

/** The README's cluster: lolek and bolek may run `daemon`, reksio is the watchdog. */
const README_CLUSTER = `
resource daemon {
  exec /etc/daemon.sh
  on lolek { priority 0 }
  on bolek { priority 1 }
  on reksio { role_on_start watchdog }
}
`;
const slow = clusterOf(README_CLUSTER);
const fast = clusterOf(`heartbeat_interval 50ms\ndeadtime 300ms\nlease 300ms\n${README_CLUSTER}`);

/** A 250 ms pause outlasts what a 300 ms lease leaves a holder between renewals (231 ms), not a 1 s lease's. */
const options = (cluster: WhatIfOptions['cluster']): WhatIfOptions => ({
  cluster,
  trials: 12,
  soakMs: 5 * 60_000,
  loss: 0.05,
  pauses: { length: 250, every: 20_000 },
  scriptTimes: { start: 100, stop: 50, check: 20 },
});

const spread = (samples: number[]): Spread => {
  const s = spreadOf(samples);
  if (s === null) throw new Error('no samples');
  return s;
};

const results = new Map<string, WhatIfResult>();
function whatIf(name: 'slow' | 'fast'): WhatIfResult {
  const cached = results.get(name);
  if (cached !== undefined) return cached;
  const result = runWhatIf(options(name === 'slow' ? slow : fast));
  results.set(name, result);
  return result;
}

describe('what to expect of a cluster', () => {
  it.each(['slow', 'fast'] as const)('%s: a crash fails over after about a lease, a handover takes its stop script and a heartbeat at most', (name) => {
    const result = whatIf(name);
    const { lease, heartbeatInterval: hb, maxClockDrift } = (name === 'slow' ? slow : fast).timing;
    expect(result.failures).toEqual([]);
    const crash = spread(result.acts.crash.samples);
    expect(crash.count).toBe(12);
    // Voters keep their promise to the crashed holder a lease (on their clocks) after they last heard it.
    expect(crash.min).toBeGreaterThanOrEqual(lease * (1 - maxClockDrift) - hb);
    expect(crash.median).toBeLessThanOrEqual(lease + 3 * hb);
    for (const act of ['hup', 'term'] as const) {
      const handover = spread(result.acts[act].samples);
      expect(handover.min, act).toBeGreaterThanOrEqual(50);
      expect(handover.median, act).toBeLessThan(50 + hb);
      expect(handover.median, act).toBeLessThan(lease / 4);
    }
    expect(result.soak).toMatchObject({ runs: 1, ms: 5 * 60_000, resources: 1 });
  });

  it('a 300 ms lease fails over sooner than a 1 s lease, and self-fences where the 1 s lease does not', () => {
    const s = whatIf('slow');
    const f = whatIf('fast');
    expect(spread(f.acts.crash.samples).median).toBeLessThan(spread(s.acts.crash.samples).median / 2);
    expect(s.soak.selfFences).toBe(0);
    expect(s.soak.outageMs).toBe(0);
    expect(f.soak.selfFences).toBeGreaterThan(0);
    expect(f.soak.outageMs).toBeGreaterThan(0);
  });

  it('is the same for the same options', () => {
    expect(runWhatIf({ ...options(slow), trials: 2, soakMs: 60_000 })).toEqual(runWhatIf({ ...options(slow), trials: 2, soakMs: 60_000 }));
  });
});

describe('a weakened core', () => {
  /** Starts on its own vote alone. */
  const noQuorum: QuorumRules = { ...STANDARD_RULES, quorumSize: () => 1 };
  const coreFactory = (config: CoreConfig, start: CoreStart): NodeCore => new NodeCore(config, start, noQuorum);

  it('is caught: a safety violation with its seed, which replays alone', () => {
    // Pauses longer than the deadtime and the lease: the others take over from a paused holder,
    // which, counting its own vote as a quorum, keeps the resource on waking.
    const pauses = { length: 1500, every: 20_000 };
    const real = { ...options(slow), trials: 4, soakMs: 2 * 60_000, pauses };
    const weak = { ...real, coreFactory };
    const result = runWhatIf(weak);
    const violation = result.failures.find((f) => f.kind === 'safety');
    expect(violation?.message).toMatch(/did not stop as its first act on waking|began starting while \S+ holds it/);
    if (violation === undefined) return;
    const replay = runWhatIf({ ...weak, seed: violation.seed });
    expect(replay.runs).toBe(4);
    expect(replay.failures).toContainEqual(violation);
    // The real core keeps those very runs safe.
    expect(runWhatIf(real).failures).toEqual([]);
  });
});

describe('how long the soak lasts by default', () => {
  it('is a number of heartbeats between the nodes: two hours of three nodes at 200 ms, less at 50 ms, at most four hours', () => {
    expect(defaultSoakMs(slow)).toBe(2 * 3_600_000);
    expect(defaultSoakMs(fast)).toBe(30 * 60_000);
    const pair = clusterOf('resource r {\n exec /x\n on a { }\n on b { }\n}\n');
    expect(defaultSoakMs(pair)).toBe(MAX_DEFAULT_SOAK_MS);
  });

  it('is cut into runs of ten minutes at most', () => {
    expect(soakRuns(2 * 3_600_000)).toEqual({ runs: 12, ms: SOAK_RUN_MS });
    expect(soakRuns(15 * 60_000)).toEqual({ runs: 2, ms: 7.5 * 60_000 });
    expect(soakRuns(60_000)).toEqual({ runs: 1, ms: 60_000 });
  });
});
