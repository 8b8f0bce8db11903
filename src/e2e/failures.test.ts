// Failures on a three-node unicast cluster (lolek priority 0, bolek priority 1, reksio watchdog):
// a failing monitor, losing the quorum, a hung start script. One fresh cluster per test.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it, type TestContext } from 'vitest';
import { clusterForTest } from './per-test.js';
import type { Cluster, ClusterOptions } from './cluster.js';
import { isGone } from './processes.js';

const NODES: ClusterOptions['nodes'] = [
  { name: 'lolek', priority: 0 },
  { name: 'bolek', priority: 1 },
  { name: 'reksio', watchdog: true },
];

async function startCluster(context: TestContext, resourceLines: string[], before?: (c: Cluster) => void): Promise<Cluster> {
  const cluster = await clusterForTest(context, { transport: 'unicast', nodes: NODES, resourceLines, label: 'failures' });
  before?.(cluster);
  await cluster.startAll();
  return cluster;
}

/** From now on the node's monitor (`status`) fails, or works again. */
function monitorFails(c: Cluster, node: string, failing: boolean): number {
  const path = c.path(`fail-monitor.${node}`);
  if (failing) writeFileSync(path, '');
  else rmSync(path, { force: true });
  return Date.now();
}

describe.concurrent('failures on three unicast nodes', () => {
  it('a failing monitor releases the resource as ERRORED and the next node takes over at once; USR2 clears it; USR1 forces a start', async (context) => {
    // monitor_fall 2: two failed runs count as one failure; no local_restarts: FreeHA's way.
    const c = await startCluster(context, ['attempts 3', 'monitor_interval 100ms', 'monitor_fall 2']);
    await c.waitFor('lolek to run it', () => c.agreeOn('lolek'), 15_000);

    // lolek's monitor fails (as when an operator runs stophasrv by hand): ERRORED, released, and bolek takes over.
    const lolekFailsAt = monitorFails(c, 'lolek', true);
    const takeover = await c.waitFor('bolek to start', () => c.recordAfter('bolek', 'start-begin', lolekFailsAt), 15_000);
    await c.waitFor('lolek ERRORED and bolek running', () => c.ownState('lolek') === 'ERRORED' && c.agreeOn('bolek'));
    const lolekSince = c.records().filter((l) => l.node === 'lolek' && l.atMs >= lolekFailsAt);
    expect(lolekSince.map((l) => l.event)).toEqual(['stop-begin', 'stop-end']);
    expect(lolekSince.every((l) => l.atMs < takeover.atMs)).toBe(true);
    expect(c.resource('lolek')).toMatchObject({ attempts: '0/3', reason: 'ERRORED: clear with USR2 or hastmonctl clear' });
    await c.waitFor("bolek's state file to show lolek ERRORED", () => c.resource('bolek')?.rows.find((r) => r.node === 'lolek')?.state === 'ERRORED');

    // USR2 clears lolek: STANDBY, eligible again, but the resource stays on bolek.
    monitorFails(c, 'lolek', false);
    const clearedAt = c.signal('lolek', 'SIGUSR2');
    await c.waitFor('lolek to stand by', () => c.ownState('lolek') === 'STANDBY' && c.resource('lolek')?.reason === 'bolek holds it');
    await c.keepsTrue('bolek to keep it, lolek not starting', () => c.recordAfter('lolek', 'start-begin', clearedAt) === undefined && c.agreeOn('bolek'), c.deadtimeMs + c.leaseMs);

    // Now bolek fails the same way; the cleared lolek is a candidate again and takes over.
    const bolekFailsAt = monitorFails(c, 'bolek', true);
    await c.waitFor('lolek to start', () => c.recordAfter('lolek', 'start-begin', bolekFailsAt), 15_000);
    await c.waitFor('bolek ERRORED and lolek running', () => c.ownState('bolek') === 'ERRORED' && c.agreeOn('lolek'));

    // lolek fails again: both are ERRORED, nobody may run it.
    const bothFailAt = monitorFails(c, 'lolek', true);
    await c.waitFor('lolek ERRORED again', () => c.ownState('lolek') === 'ERRORED' && c.recordAfter('lolek', 'stop-end', bothFailAt), 15_000);
    await c.waitFor('nobody to hold it', () => c.names.every((n) => c.resource(n)?.holder === ''));
    await c.keepsTrue('bolek, ERRORED, not to start', () => c.recordAfter('bolek', 'start-begin', bothFailAt) === undefined, c.deadtimeMs + c.leaseMs);

    // USR1 on bolek, ERRORED and not a candidate: the forced start happens, so the signal reached
    // hastmon's listener and not Node's inspector (which SIGUSR1 would otherwise start).
    monitorFails(c, 'bolek', false);
    const forcedAt = c.signal('bolek', 'SIGUSR1');
    const forced = await c.waitFor('bolek to start', () => c.recordAfter('bolek', 'start-begin', forcedAt), 5_000);
    console.log(`USR1 on bolek: the start script ran ${Math.round(forced.atMs - forcedAt)} ms after the signal`);
    await c.waitFor('bolek to run it', () => c.ownState('bolek') === 'RUNNING');
    await c.waitForLog('bolek', /USR1: FORCED START without asking anyone/);
    expect(c.log('bolek')).not.toMatch(/Debugger listening|inspector/i);
    expect(c.daemon('bolek').hasExited()).toBe(false);
    expect(c.violations()).toEqual([]);
  });

  it('the watchdog killed: nothing moves; the holder killed too: the survivor alone does not start and says why', async (context) => {
    const c = await startCluster(context, []);
    await c.waitFor('lolek to run it', () => c.agreeOn('lolek'), 15_000);

    const watchdogKilledAt = c.crash('reksio');
    await c.waitFor('both service nodes to see reksio time out', () =>
      ['lolek', 'bolek'].every((n) => c.resource(n)?.rows.find((r) => r.node === 'reksio')?.state === 'TIMEDOUT'),
    );
    // Beyond the lease: lolek and bolek are 2 of 3 voters, still a quorum.
    await c.keepsTrue(
      'lolek to keep running it, nobody stopping or starting',
      () => c.records().every((l) => l.atMs < watchdogKilledAt) && c.agreeOn('lolek', ['lolek', 'bolek']),
      c.leaseMs + c.deadtimeMs,
    );

    const holderKilledAt = c.crash('lolek');
    const why = 'in touch both ways with 1 of the 2 voters a quorum needs';
    // lolek shows it no longer hears bolek (its last echo ages) a little before it times out itself.
    await c.waitFor(`bolek to say "${why}" and see no holder`, () => c.resource('bolek')?.reason === why && c.resource('bolek')?.holder === '', 10_000);
    // Well beyond the deadtime and the lease, it still has not started.
    await c.keepsTrue(
      'bolek to stand by without starting, saying why',
      () => c.records().every((l) => l.atMs < holderKilledAt) && c.resource('bolek')?.holder === '' && c.resource('bolek')?.reason === why && c.ownState('bolek') === 'STANDBY',
      Math.max(0, holderKilledAt + c.deadtimeMs + 2 * c.leaseMs - Date.now()),
    );

    // The operator's emergency: USR1 starts it without asking anyone.
    const forcedAt = c.signal('bolek', 'SIGUSR1');
    await c.waitFor('bolek to start', () => c.recordAfter('bolek', 'start-begin', forcedAt), 5_000);
    await c.waitFor('bolek to run it', () => c.ownState('bolek') === 'RUNNING');
    await c.waitForLog('bolek', /USR1: FORCED START without asking anyone/);
    expect(c.violations()).toEqual([]);
  });

  it('a hung start script is killed at its timeout with its children', async (context) => {
    const timeoutMs = 1000;
    const c = await startCluster(context, [`timeout ${timeoutMs}ms`, 'attempts 1'], (cl) => writeFileSync(cl.path('hang-start.lolek'), ''));
    const began = await c.waitFor("lolek's start to begin", () => c.recordAfter('lolek', 'start-begin', 0), 15_000);
    const pidOf = (file: string): number | undefined => {
      const path = c.path(file);
      return existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) || undefined : undefined;
    };
    const { script, child } = await c.waitFor('the hung script and its child', () => {
      const script = pidOf('hang-script.lolek');
      const child = pidOf('hang-child.lolek');
      return script !== undefined && child !== undefined && { script, child };
    });
    const goneAt = await c.waitFor('the script and its child to be killed', () => isGone(script) && isGone(child) && Date.now(), 10_000);
    const lived = goneAt - began.atMs;
    console.log(`hung start (timeout ${timeoutMs} ms): the script and its child were gone ${Math.round(lived)} ms after it began`);
    expect(lived).toBeGreaterThanOrEqual(timeoutMs - 50);
    await c.waitForLog('lolek', new RegExp(`daemon: start: timed out after ${timeoutMs} ms, sending SIGTERM to its process group`));

    // attempts 1: ERRORED at once, and bolek takes over after lolek's stop.
    await c.waitFor('lolek ERRORED and bolek running', () => c.ownState('lolek') === 'ERRORED' && c.agreeOn('bolek'), 10_000);
    expect(c.violations()).toEqual([]);
    // SIGTERM to the whole group did it: the script was gone before the SIGKILL that follows a grace later.
    await c.waitForLog('lolek', /daemon: \w+ -> ERRORED/);
    expect(c.log('lolek')).not.toMatch(/daemon: start: still running \d+ ms after SIGTERM/);
  });
});
