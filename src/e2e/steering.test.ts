// Steering real daemons the operator's way: HUP while the holder is stopping, -m leaving a trace,
// and an exec script told of real role changes only.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClusterOptions } from './cluster.js';
import { clusterForTest } from './per-test.js';

const NODES: ClusterOptions['nodes'] = [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }, { name: 'reksio', watchdog: true }];

describe.concurrent('steering hastmon', () => {
  it('a HUP that arrives while the holder is stopping holds: the next node takes over, not this one again', async (context) => {
    const c = await clusterForTest(context, {
      transport: 'unicast',
      nodes: NODES,
      resourceLines: ['monitor_interval 100ms', 'monitor_fall 1', 'local_restarts 1'],
      label: 'hup-stopping',
    });
    await c.startAll();
    await c.waitFor('lolek to run it', () => c.agreeOn('lolek'), 15_000);
    // A failing monitor makes lolek restart in place; its stop takes a second.
    writeFileSync(c.path('slow-stop.lolek'), '');
    writeFileSync(c.path('fail-monitor.lolek'), '');
    await c.waitFor('lolek to be stopping', () => c.ownState('lolek') === 'STOPPING', 5_000);
    const hupAt = c.signal('lolek', 'SIGHUP');
    rmSync(c.path('fail-monitor.lolek'));
    const takeover = await c.waitFor('bolek to start', () => c.recordAfter('bolek', 'start-begin', hupAt), 10_000);
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek'), 10_000);
    await c.waitForLog('lolek', /HUP: not here; STOPPING/);
    await c.keepsTrue('lolek not to start it again', () => c.recordAfter('lolek', 'start-begin', hupAt) === undefined, c.deadtimeMs + c.leaseMs);
    expect(takeover.atMs).toBeGreaterThan(hupAt);
    expect(c.violations()).toEqual([]);
  });

  it('-m starts at once, logs it as loudly as USR1, and shows the forced start in the state file and the status', async (context) => {
    const c = await clusterForTest(context, { transport: 'unicast', nodes: NODES, label: 'force-m' });
    c.start('reksio');
    c.start('lolek');
    await c.waitUntilUp('reksio');
    await c.waitUntilUp('lolek');
    await c.waitFor('lolek to run it', () => c.agreeOn('lolek', ['lolek', 'reksio']), 15_000);
    // bolek, the less preferred, forced with -m: it starts without asking, and a forced holder wins.
    c.start('bolek', ['-m']);
    await c.waitFor('bolek to run it', () => c.ownState('bolek') === 'RUNNING', 10_000);
    await c.waitForLog('bolek', /FORCED START/);
    await c.waitFor('bolek to be the holder everyone sees', () => c.agreeOn('bolek'), 10_000);
    expect(readFileSync(c.path('bolek.state'), 'utf8')).toMatch(/forced start here \(USR1 or -m\)/);
    const status = JSON.parse((await c.hastmonctl('bolek', 'status', '--json')).stdout) as { resources: Array<{ forced: boolean }> };
    expect(status.resources[0]?.forced).toBe(true);
  });

  it('a daemon restarted beside its running service tells its exec script of no role change while it only judges the copy', async (context) => {
    const c = await clusterForTest(context, { transport: 'unicast', nodes: NODES, label: 'role-notices' });
    await c.startAll();
    await c.waitFor('lolek to run it', () => c.agreeOn('lolek'), 15_000);
    await c.waitFor('the role notice of the first start', () => existsSync(c.path('notices')));
    // Only hastmon dies; its service goes on. bolek takes over after the lease (and the service
    // runs twice meanwhile: nobody can tell hastmon's death from the machine's without a fence).
    c.signal('lolek', 'SIGKILL');
    await c.waitForExit('lolek');
    await c.waitFor('bolek to run it', () => c.ownState('bolek') === 'RUNNING', 10_000);
    const before = readFileSync(c.path('notices'), 'utf8');
    // The new daemon finds the copy, sees bolek hold the resource, and stops the copy: it never
    // held it, so its exec script hears of no role change.
    c.start('lolek');
    await c.waitForLog('lolek', /found running here but .*: stopping it here/, 10_000);
    await c.waitFor('lolek to stand by', () => c.ownState('lolek') === 'STANDBY', 10_000);
    await c.keepsTrue('no role notice from lolek', () => !readFileSync(c.path('notices'), 'utf8').slice(before.length).includes('lolek role'), c.deadtimeMs);
  });
});
