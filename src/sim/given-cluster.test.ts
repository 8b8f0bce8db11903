// The simulator run on a cluster given whole (a configuration's nodes), with stated script times,
// trials that befall a holder, and soaks with process pauses: what hastmon -S is built on.
import { describe, expect, it } from 'vitest';
import { coreConfigFor } from './cluster.js';
import { failuresOf } from './failures.test-util.js';
import { clusterOf } from './given-cluster.test-util.js';
import { runSimulation } from './run-simulation.js';

/** lolek and bolek run `web`; reksio only votes; `db` has lolek and reksio as service nodes. */
const MIXED = `
resource web {
  exec /etc/web.sh
  on lolek { priority 0 }
  on bolek { priority 1 }
  on reksio { role_on_start watchdog }
}
resource db {
  exec /etc/db.sh
  attempts 2
  on lolek { priority 1 }
  on bolek { role_on_start watchdog }
  on reksio { priority 0 }
}
`;

const TIMES = { start: 400, stop: 300, check: 20 };
const quiet = { commands: false, foundRunning: false } as const;

describe('a cluster given whole', () => {
  it('has the nodes of the file, each with its own configuration; a watchdog only if it is one in every resource', () => {
    const cluster = clusterOf(MIXED);
    expect(cluster.nodes).toEqual([
      { name: 'lolek', watchdog: false },
      { name: 'bolek', watchdog: false },
      { name: 'reksio', watchdog: false },
    ]);
    expect(coreConfigFor(cluster, 'reksio').node).toBe('reksio');
    expect(coreConfigFor(cluster, 'lolek').resources.find((r) => r.name === 'db')?.attempts).toBe(2);
    const watched = clusterOf('resource r {\n exec /x\n on a { }\n on b { }\n on w { role_on_start watchdog }\n}\n');
    expect(watched.nodes.map((n) => n.watchdog)).toEqual([false, false, true]);
  });

  it('runs the configured resources, which settle, safely', () => {
    const cluster = clusterOf(MIXED);
    const result = runSimulation({ seed: 3, cluster, scriptTimes: TIMES, ...quiet });
    expect(failuresOf([result])).toEqual([]);
    expect(result.resources.map((r) => [r.resource, r.kind])).toEqual([
      ['web', 'ok'],
      ['db', 'ok'],
    ]);
  });
});

describe('a trial befalls the holder of a resource', () => {
  const cluster = clusterOf(MIXED);
  const trial = (act: 'crash' | 'hup' | 'term', seed: number): ReturnType<typeof runSimulation> =>
    runSimulation({ seed, cluster, scriptTimes: TIMES, soak: { kind: 'holder', act, ms: 5000 }, ...quiet });

  it('records the act and the starts that follow; the cluster settles afterwards', () => {
    for (const act of ['crash', 'hup', 'term'] as const) {
      const result = trial(act, 1);
      expect(failuresOf([result]), act).toEqual([]);
      expect(result.holderActs, act).toHaveLength(1);
      const done = result.holderActs[0];
      expect(done?.act).toBe(act);
      expect(done?.resources.length).toBeGreaterThan(0);
      for (const resource of done?.resources ?? []) {
        const next = result.starts.find((s) => s.at > (done?.at ?? 0) && s.resource === resource);
        expect(next?.node, `${act} ${resource}`).not.toBe(done?.node);
      }
    }
  });

  it('times a clean handover by the stop script stated: it ends before the next start begins', () => {
    const result = trial('hup', 2);
    const done = result.holderActs[0];
    const next = result.starts.find((s) => s.at > (done?.at ?? 0));
    expect((next?.at ?? 0) - (done?.at ?? 0)).toBeGreaterThanOrEqual(TIMES.stop);
    expect((next?.at ?? Infinity) - (done?.at ?? 0)).toBeLessThan(TIMES.stop + 3 * cluster.timing.heartbeatInterval);
  });

  it('is the same run for the same seed', () => {
    expect(trial('crash', 5)).toEqual(trial('crash', 5));
  });
});

describe('a soak with process pauses', () => {
  // A 300 ms lease leaves a holder 231 ms between renewals: a 250 ms pause outlasts it.
  const fast = clusterOf(`heartbeat_interval 50ms\ndeadtime 300ms\nlease 300ms\n${MIXED}`);
  const soak = { kind: 'loss' as const, loss: 0, ms: 60_000, pauses: { length: 250, every: 5000 } };

  it('counts the holders that stop after a pause longer than the lease allows, as counts, not failures, when asked', () => {
    const result = runSimulation({ seed: 1, cluster: fast, scriptTimes: TIMES, soak, selfFenceIsFailure: false, ...quiet });
    expect(failuresOf([result])).toEqual([]);
    expect(result.selfFences.length).toBeGreaterThan(0);
    expect(result.outageMs).toBeGreaterThan(0);
  });

  it('counts nothing when the pauses are short enough', () => {
    const short = { ...soak, pauses: { length: 20, every: 5000 } };
    const result = runSimulation({ seed: 1, cluster: fast, scriptTimes: TIMES, soak: short, selfFenceIsFailure: false, ...quiet });
    expect(failuresOf([result])).toEqual([]);
    expect(result.selfFences).toEqual([]);
  });
});
