// Two service nodes and no watchdog: quorum is impossible, so FreeHA's rule applies (take over once
// the peer has been silent for the deadtime), and hastmon warns about it at start.
import { describe, expect, it } from 'vitest';
import { clusterForTest } from './per-test.js';

describe('two nodes without a watchdog', () => {
  it('warn at start, and fail over as FreeHA did', async (context) => {
    const c = await clusterForTest(context, {
      transport: 'unicast',
      nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }],
      label: 'two-node',
    });
    await c.startAll();
    for (const name of c.names) {
      await c.waitForLog(name, /warning: resource daemon has two nodes and no watchdog: .*a partition can run it on both/);
    }
    await c.waitFor('both to agree that lolek runs it', () => c.agreeOn('lolek'), 15_000);
    expect(c.resource('bolek')).toMatchObject({ holder: 'lolek', quorum: 1, voters: 2 });

    const killedAt = c.crash('lolek');
    const started = await c.waitFor('bolek to start', () => c.recordAfter('bolek', 'start-begin', killedAt), 10_000);
    console.log(`two nodes: failover after kill -9 of lolek: ${Math.round(started.atMs - killedAt)} ms to the start script on bolek`);
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek'));
    expect(c.violations()).toEqual([]);
  });
});
