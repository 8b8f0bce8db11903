// Scenario tests: the real core of every node, driven step by step over a perfect network
// (1 ms per datagram) unless a test cuts links. Script runs are traced as `time node run ACTION RES`.

import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING as TEST_TIMING } from '../config/timing.js';
import { quickResourceSpec as resourceSpec, threeNodeConfigs } from '../testing/fixtures.js';
import { Harness } from '../testing/harness.js';
import type { CoreConfig, ResourceSpec } from './types.js';

const RES = 'daemon';

function elected(h: Harness, node: string, ms = 5000): number {
  return h.until(() => h.state(node, RES) === 'RUNNING', ms, `${node} RUNNING`);
}

/** Start and stop runs as `node action`, in order. */
function startsAndStops(h: Harness): string[] {
  return h.scriptTrace((l) => / run (start|stop) /.test(l)).map((l) => {
    const [, node, , action] = l.split(' ');
    return `${node} ${action}`;
  });
}

/** When `node` first ran `action` at or after `from`. */
function firstRunAt(h: Harness, node: string, action: string, from = 0): number {
  const line = h.scriptTrace((l) => l.includes(` ${node} run ${action} `) && Number(l.split(' ')[0]) >= from)[0];
  if (line === undefined) throw new Error(`${node} never ran ${action} after ${from}`);
  return Number(line.split(' ')[0]);
}

/** The script runs of one action, as `node` names, in order. */
function runs(h: Harness, action: string): string[] {
  return h.scriptTrace((l) => l.includes(` run ${action} `)).map((l) => l.split(' ')[1] ?? '');
}

describe('election', () => {
  it('starts the resource on the node with the lowest priority, once, after the start-up wait', () => {
    const h = new Harness(threeNodeConfigs());
    const took = elected(h, 'lolek');
    expect(runs(h, 'start')).toEqual(['lolek']);
    expect(took).toBeGreaterThanOrEqual(TEST_TIMING.lease);
    expect(h.state('bolek', RES)).toBe('STANDBY');
    expect(h.state('reksio', RES)).toBe('WATCHING');
    expect(h.view('bolek', RES).holder).toBe('lolek');
    expect(h.view('reksio', RES).vote).toBe('lolek');
  });

  it('breaks equal priorities by name, alphabetically and ignoring case', () => {
    const members: ResourceSpec['members'] = [
      { node: 'zeta', priority: 5, roleOnStart: 'secondary' },
      { node: 'Beta', priority: 5, roleOnStart: 'secondary' },
      { node: 'alpha', priority: 9, roleOnStart: 'secondary' },
    ];
    const configs: CoreConfig[] = members.map((m) => ({
      node: m.node,
      timing: TEST_TIMING,
      resources: [resourceSpec(RES, members)],
      forceStart: false,
    }));
    const h = new Harness(configs);
    elected(h, 'Beta');
    h.advance(3000);
    expect(runs(h, 'start')).toEqual(['Beta']);
  });

  it('runs the start-up probe, then stop once to clean up, before it may hold', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    const lolek = h.scriptTrace((l) => l.includes(' lolek ')).map((l) => l.split(' ')[3]);
    expect(lolek.slice(0, 3)).toEqual(['probe', 'stop', 'start']);
    expect(runs(h, 'probe').sort()).toEqual(['bolek', 'lolek']); // the watchdog runs nothing
  });
});

describe('failover and stickiness', () => {
  it('moves the resource to the other service node when the holder dies, after the lease', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.advance(500);
    h.crash('lolek');
    const took = elected(h, 'bolek');
    expect(took).toBeGreaterThan(TEST_TIMING.lease - TEST_TIMING.heartbeatInterval);
    expect(took).toBeLessThan(TEST_TIMING.lease + 100);
    expect(runs(h, 'start')).toEqual(['lolek', 'bolek']);
  });

  it('keeps the resource where it is when the preferred node comes back (stickiness)', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.crash('lolek');
    elected(h, 'bolek');
    h.boot('lolek');
    h.advance(10_000);
    expect(h.state('bolek', RES)).toBe('RUNNING');
    expect(h.state('lolek', RES)).toBe('STANDBY');
    expect(runs(h, 'start')).toEqual(['lolek', 'bolek']);
  });

  it('fails back on HUP: the holder stops first, then the preferred node starts, without overlap', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.crash('lolek');
    elected(h, 'bolek');
    h.boot('lolek');
    h.advance(3000);
    h.command('bolek', { type: 'hup' });
    elected(h, 'lolek');
    expect(startsAndStops(h).slice(-2)).toEqual(['bolek stop', 'lolek start']);
    expect(h.runningOn(RES)).toEqual(['lolek']);
    h.advance(5000);
    expect(h.state('bolek', RES)).toBe('STANDBY');
  });

  it('HUP on the only candidate brings the resource back to it', () => {
    const members: ResourceSpec['members'] = [
      { node: 'solo', priority: 0, roleOnStart: 'secondary' },
      { node: 'wd', priority: 100, roleOnStart: 'watchdog' },
    ];
    const configs = members.map((m) => ({ node: m.node, timing: TEST_TIMING, resources: [resourceSpec(RES, members)], forceStart: false }));
    // Two voters, one of them a watchdog: quorum is two, so both must agree.
    const h = new Harness(configs);
    elected(h, 'solo');
    h.command('solo', { type: 'hup' });
    expect(h.state('solo', RES)).toBe('STOPPING');
    h.advance(2000);
    expect(startsAndStops(h).slice(-3)).toEqual(['solo start', 'solo stop', 'solo start']);
    expect(h.state('solo', RES)).toBe('RUNNING');
  });

  it('fails back on its own with failback auto', () => {
    const h = new Harness(threeNodeConfigs({ failback: 'auto' }));
    elected(h, 'lolek');
    h.crash('lolek');
    elected(h, 'bolek');
    h.boot('lolek');
    elected(h, 'lolek', 10_000);
    expect(h.state('bolek', RES)).toBe('STANDBY');
    expect(runs(h, 'start')).toEqual(['lolek', 'bolek', 'lolek']);
  });
});

describe('quorum and the watchdog', () => {
  it('does not start without quorum: the survivor alone waits and says why', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.crash('reksio');
    h.advance(3000);
    expect(h.state('lolek', RES)).toBe('RUNNING'); // two of three voters still endorse it
    h.crash('lolek');
    h.advance(10_000);
    expect(h.state('bolek', RES)).toBe('STANDBY');
    expect(runs(h, 'start')).toEqual(['lolek']);
    expect(h.view('bolek', RES).reason).toMatch(/no quorum: 1 of 2/);
  });

  it('stops the resource on an isolated holder (self-fencing) before the others start it', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.advance(300);
    h.isolate('lolek');
    const cutAt = h.now;
    elected(h, 'bolek');
    const stopAt = firstRunAt(h, 'lolek', 'stop', cutAt);
    const startAt = firstRunAt(h, 'bolek', 'start');
    expect(startAt - stopAt).toBeGreaterThanOrEqual(TEST_TIMING.guard);
    expect(h.logs.some((l) => l.includes('lolek warning: daemon: lost quorum'))).toBe(true);
  });

  it('a one-way partition: the holder hears the others but they do not hear it', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.cutLink('lolek', 'bolek', false);
    h.cutLink('lolek', 'reksio', false);
    const cutAt = h.now;
    elected(h, 'bolek');
    const stopAt = firstRunAt(h, 'lolek', 'stop', cutAt);
    const startAt = firstRunAt(h, 'bolek', 'start');
    expect(startAt - stopAt).toBeGreaterThanOrEqual(TEST_TIMING.guard);
  });

  it('the watchdog lost: nothing moves', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.crash('reksio');
    h.advance(10_000);
    expect(runs(h, 'start')).toEqual(['lolek']);
    expect(runs(h, 'stop')).toEqual(['lolek', 'bolek']); // only the start-up clean-ups
  });
});

describe('two nodes without a watchdog', () => {
  const members: ResourceSpec['members'] = [
    { node: 'a', priority: 0, roleOnStart: 'secondary' },
    { node: 'b', priority: 1, roleOnStart: 'secondary' },
  ];
  const configs = (): CoreConfig[] =>
    members.map((m) => ({ node: m.node, timing: TEST_TIMING, resources: [resourceSpec(RES, members)], forceStart: false }));

  it('elects one node, and takes over when the peer is gone for the lease (FreeHA)', () => {
    const h = new Harness(configs());
    elected(h, 'a');
    h.advance(2000);
    expect(runs(h, 'start')).toEqual(['a']);
    h.crash('a');
    const took = elected(h, 'b');
    expect(took).toBeLessThanOrEqual(TEST_TIMING.lease + 50);
  });

  it('after a partition heals with both running, the less preferred node stops', () => {
    const h = new Harness(configs());
    elected(h, 'a');
    h.isolate('a');
    elected(h, 'b');
    expect(h.state('a', RES)).toBe('RUNNING'); // no quorum to lose: both run, as FreeHA warns
    h.heal();
    h.until(() => h.state('b', RES) === 'STANDBY', 3000);
    expect(h.state('a', RES)).toBe('RUNNING');
    expect(h.runningOn(RES)).toEqual(['a']);
  });
});

describe('scripts and failures', () => {
  it('retries a failing start up to attempts, then ERRORED, and the other node takes over', () => {
    const h = new Harness(threeNodeConfigs({ attempts: 3 }));
    h.scriptsBehave((node, _r, action) => (node === 'lolek' && action === 'start' ? { ms: 10, exit: 1 } : undefined));
    elected(h, 'bolek', 10_000);
    expect(runs(h, 'start')).toEqual(['lolek', 'lolek', 'lolek', 'bolek']);
    expect(h.state('lolek', RES)).toBe('ERRORED');
    const v = h.view('lolek', RES);
    expect([v.attempts, v.maxAttempts]).toEqual([3, 3]);
    h.advance(10_000);
    expect(h.state('lolek', RES)).toBe('ERRORED'); // latched
    h.command('lolek', { type: 'clear', resources: 'all' });
    expect(h.state('lolek', RES)).toBe('STANDBY');
    h.advance(5000);
    expect(h.state('bolek', RES)).toBe('RUNNING'); // clearing does not move it back
  });

  it('needs monitor_fall failures in a row before it counts, then restarts locally, then gives up', () => {
    const h = new Harness(threeNodeConfigs({ attempts: 3, monitorFall: 2 }));
    let failing = false;
    h.scriptsBehave((node, _r, action) => (failing && node === 'lolek' && action === 'monitor' ? { ms: 10, exit: 2 } : undefined));
    elected(h, 'lolek');
    failing = true;
    h.advance(1100); // one monitor failure: nothing happens yet
    expect(runs(h, 'stop').filter((n) => n === 'lolek')).toHaveLength(1);
    expect(h.state('lolek', RES)).toBe('RUNNING');
    elected(h, 'bolek', 20_000);
    // Two local restarts (attempts 1 and 2 of 3), then the third fall releases it.
    expect(runs(h, 'start')).toEqual(['lolek', 'lolek', 'lolek', 'bolek']);
    expect(h.state('lolek', RES)).toBe('ERRORED');
  });

  it('does not restart locally once quorum went away while it stopped', () => {
    const h = new Harness(threeNodeConfigs({ attempts: 3, monitorFall: 1 }));
    let failing = false;
    h.scriptsBehave((node, _r, action) => {
      if (!failing || node !== 'lolek') return undefined;
      if (action === 'monitor') return { ms: 10, exit: 1 };
      if (action === 'stop') return { ms: 900, exit: 0 };
      return undefined;
    });
    elected(h, 'lolek');
    failing = true;
    h.until(() => h.state('lolek', RES) === 'STOPPING', 3000, 'the restart begins');
    h.isolate('lolek'); // while its stop runs, its endorsements expire
    elected(h, 'bolek');
    h.advance(3000);
    expect(runs(h, 'start')).toEqual(['lolek', 'bolek']);
    expect(h.state('lolek', RES)).toBe('STANDBY');
    expect(h.logs.some((l) => l.includes('not restarting here'))).toBe(true);
  });

  it('a monitor that hangs is a failure once its timeout kills it', () => {
    const h = new Harness(threeNodeConfigs({ attempts: 1, monitorFall: 1, scriptTimeout: 700 }));
    let hang = false;
    h.scriptsBehave((node, _r, action) => (hang && node === 'lolek' && action === 'monitor' ? { ms: 0, exit: 'hang' } : undefined));
    elected(h, 'lolek');
    hang = true;
    elected(h, 'bolek', 10_000);
    expect(h.trace.some((l) => l.includes('lolek monitor daemon timed out'))).toBe(true);
    expect(h.state('lolek', RES)).toBe('ERRORED');
  });

  it('a failed stop latches ERRORED and blocks takeover until cleared', () => {
    const h = new Harness(threeNodeConfigs());
    let stopFails = false;
    h.scriptsBehave((node, _r, action) => (stopFails && node === 'lolek' && action === 'stop' ? { ms: 10, exit: 1 } : undefined));
    elected(h, 'lolek');
    stopFails = true;
    h.command('lolek', { type: 'hup' });
    h.advance(10_000);
    expect(h.state('lolek', RES)).toBe('ERRORED');
    expect(h.state('bolek', RES)).toBe('STANDBY');
    expect(h.view('bolek', RES).reason).toBe('lolek holds it');
    expect(runs(h, 'start')).toEqual(['lolek']);
    h.command('lolek', { type: 'clear', resources: 'all' });
    elected(h, 'bolek', 5000); // the HUP's hand-over goes ahead once the operator cleared the error
  });

  it('while a node is STARTING nobody else decides, even if the start is slow', () => {
    const h = new Harness(threeNodeConfigs({ scriptTimeout: 20_000 }));
    h.scriptsBehave((node, _r, action) => (node === 'lolek' && action === 'start' ? { ms: 8000, exit: 0 } : undefined));
    h.until(() => h.state('lolek', RES) === 'STARTING', 5000);
    h.advance(6000);
    expect(h.state('bolek', RES)).toBe('STANDBY');
    expect(h.view('bolek', RES).reason).toBe('lolek holds it');
    elected(h, 'lolek', 5000);
    expect(runs(h, 'start')).toEqual(['lolek']);
  });

  it('a stop overtakes a start: the start is killed, then stop runs', () => {
    const h = new Harness(threeNodeConfigs({ scriptTimeout: 20_000 }));
    h.scriptsBehave((node, _r, action) => (node === 'lolek' && action === 'start' ? { ms: 8000, exit: 0 } : undefined));
    h.until(() => h.state('lolek', RES) === 'STARTING', 5000);
    h.command('lolek', { type: 'hup' });
    const lines = h.trace.slice(-6).join('\n');
    expect(lines).toMatch(/lolek kill start daemon\n.*lolek run stop daemon/);
  });

  it('runs a fence script before taking over from a node that did not stop cleanly', () => {
    const h = new Harness(threeNodeConfigs({ fence: true }));
    elected(h, 'lolek');
    h.crash('lolek');
    elected(h, 'bolek');
    const bolek = h.scriptTrace((l) => l.includes(' bolek ')).map((l) => l.split(' ').slice(3).join(' '));
    expect(bolek.slice(-2)).toEqual(['fence daemon lolek', 'start daemon']);
  });

  it('a failing fence script keeps the takeover from happening', () => {
    const h = new Harness(threeNodeConfigs({ fence: true, attempts: 2 }));
    h.scriptsBehave((_n, _r, action) => (action === 'fence' ? { ms: 10, exit: 1 } : undefined));
    elected(h, 'lolek');
    h.crash('lolek');
    h.advance(10_000);
    expect(runs(h, 'start')).toEqual(['lolek']);
    expect(h.state('bolek', RES)).toBe('ERRORED');
  });
});

describe('start-up', () => {
  it('adopts a resource found running when nobody else holds it', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.killDaemon('lolek'); // the service itself keeps running
    h.boot('lolek');
    h.until(() => h.state('lolek', RES) === 'RUNNING', 3000);
    h.advance(5000);
    expect(h.state('lolek', RES)).toBe('RUNNING');
    expect(runs(h, 'start')).toEqual(['lolek']);
    expect(h.logs.some((l) => l.includes('lolek notice: daemon: adopting it'))).toBe(true);
  });

  it('stops a resource found running when another node holds it', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.killDaemon('lolek'); // the daemon alone dies: its service runs on, as after kill -9
    elected(h, 'bolek'); // which the others cannot tell from a crash: the service now runs twice
    expect(h.runningOn(RES).sort()).toEqual(['bolek', 'lolek']);
    h.boot('lolek');
    h.advance(3000);
    expect(h.runningOn(RES)).toEqual(['bolek']);
    expect(h.logs.some((l) => l.includes('lolek warning: daemon: found running here but bolek holds it'))).toBe(true);
  });

  it('a restarted daemon keeps the service it finds running when the others endorse it', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.advance(500);
    h.killDaemon('lolek');
    h.advance(200); // back before its lease ran out: the others still hold to it
    h.boot('lolek');
    h.advance(5000);
    expect(runs(h, 'start')).toEqual(['lolek']);
    expect(h.state('lolek', RES)).toBe('RUNNING');
    expect(h.logs.some((l) => /lolek notice: daemon: adopting it: found running here and 2 of 2 voters endorse keeping it/.test(l))).toBe(true);
  });

  it('-m starts at once without asking anyone', () => {
    const configs = threeNodeConfigs().map((c) => (c.node === 'bolek' ? { ...c, forceStart: true } : c));
    const h = new Harness(configs);
    h.until(() => h.state('bolek', RES) === 'RUNNING', 500);
    expect(h.now).toBeLessThan(TEST_TIMING.deadtime);
    h.advance(5000);
    expect(runs(h, 'start')).toEqual(['bolek']); // a forced holder is endorsed as the holder
  });

  it('a node with role init waits for an operator', () => {
    const configs = threeNodeConfigs().map((c) => ({
      ...c,
      resources: c.resources.map((r) => ({ ...r, members: r.members.map((m) => ({ ...m, roleOnStart: m.node === 'reksio' ? m.roleOnStart : ('init' as const) })) })),
    }));
    const h = new Harness(configs);
    h.advance(5000);
    expect(runs(h, 'probe')).toEqual([]);
    expect(h.state('lolek', RES)).toBe('INITIAL');
    expect(h.view('lolek', RES).reason).toMatch(/role init/);
    h.command('bolek', { type: 'role', role: 'primary', resources: 'all' });
    h.command('lolek', { type: 'role', role: 'secondary', resources: 'all' });
    elected(h, 'bolek', 5000);
  });
});

describe('operator commands', () => {
  it('USR1 forces a start here without asking, and the other holder yields', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.command('bolek', { type: 'force-start', resources: 'all' });
    expect(h.state('bolek', RES)).toBe('STARTING');
    h.until(() => h.state('lolek', RES) === 'STANDBY', 3000);
    expect(h.state('bolek', RES)).toBe('RUNNING');
    expect(h.logs.some((l) => l.includes('FORCED START'))).toBe(true);
  });

  it('USR2 clears ERRORED and the node is eligible again', () => {
    const h = new Harness(threeNodeConfigs({ attempts: 1 }));
    let fail = true;
    h.scriptsBehave((node, _r, action) => (fail && node === 'lolek' && action === 'start' ? { ms: 10, exit: 1 } : undefined));
    elected(h, 'bolek', 10_000);
    fail = false;
    h.command('lolek', { type: 'clear', resources: 'all' });
    h.crash('bolek');
    elected(h, 'lolek', 5000);
  });

  it('clear ends an offline period early', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.command('lolek', { type: 'offline', seconds: 600, resources: 'all' });
    elected(h, 'bolek');
    h.command('lolek', { type: 'clear', resources: 'all' });
    h.crash('bolek');
    elected(h, 'lolek', 5000);
  });

  it('offline releases the resource and refuses it for that long', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.command('lolek', { type: 'offline', seconds: 5, resources: 'all' });
    elected(h, 'bolek');
    h.advance(3000);
    expect(h.view('lolek', RES).reason).toMatch(/offline for/);
    h.crash('bolek');
    h.advance(1500);
    expect(h.state('lolek', RES)).toBe('STANDBY'); // still offline
    elected(h, 'lolek', 5000);
  });

  it('role primary on the standby is a planned switchover with no overlap; the seed README picture results', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.command('bolek', { type: 'role', role: 'primary', resources: 'all' });
    elected(h, 'bolek');
    expect(startsAndStops(h).slice(-2)).toEqual(['lolek stop', 'bolek start']);
    // HASTMON's README commands: lolek primary, bolek secondary, reksio watchdog.
    h.command('bolek', { type: 'role', role: 'secondary', resources: 'all' });
    h.command('lolek', { type: 'role', role: 'primary', resources: 'all' });
    h.command('reksio', { type: 'role', role: 'watchdog', resources: 'all' });
    elected(h, 'lolek');
    h.advance(3000);
    expect(['lolek', 'bolek', 'reksio'].map((n) => [h.view(n, RES).role, h.state(n, RES)])).toEqual([
      ['primary', 'RUNNING'],
      ['secondary', 'STANDBY'],
      ['watchdog', 'WATCHING'],
    ]);
  });

  it('role watchdog on the holder releases the resource and keeps only the vote', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.command('lolek', { type: 'role', role: 'watchdog', resources: 'all' });
    elected(h, 'bolek');
    expect(h.state('lolek', RES)).toBe('WATCHING');
  });

  it('TERM stops the resources, tells the peers, exits, and the takeover is faster than after a crash', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.command('lolek', { type: 'term' });
    const took = elected(h, 'bolek');
    expect(took).toBeLessThan(200);
    expect(h.isAlive('lolek')).toBe(false);
    expect(h.trace.some((l) => l.endsWith('lolek exit 0'))).toBe(true);
  });

  it('shutdown_grace keeps the resource blocked for that long after TERM', () => {
    const h = new Harness(threeNodeConfigs({}, { ...TEST_TIMING, shutdownGrace: 3000 }));
    elected(h, 'lolek');
    h.command('lolek', { type: 'term' });
    const took = elected(h, 'bolek', 8000);
    expect(took).toBeGreaterThanOrEqual(3000);
  });

  it('an unreachable gateway withdraws the node', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.gateway('lolek', false);
    elected(h, 'bolek');
    expect(h.view('lolek', RES).reason).toMatch(/gateway unreachable/);
  });
});

describe('pauses', () => {
  it('a holder paused past its lease stops the resource as its first act on waking', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.advance(150);
    // A pause is a node that neither receives nor acts; model it by cutting it off and freezing ticks.
    const pausedAt = h.now;
    h.isolate('lolek');
    h.pause('lolek');
    elected(h, 'bolek');
    h.advance(500);
    h.resume('lolek');
    h.heal();
    const first = h.trace.find((l) => l.startsWith(`${h.now} lolek run `));
    expect(first).toBe(`${h.now} lolek run stop daemon`);
    expect(h.now - pausedAt).toBeGreaterThan(TEST_TIMING.lease);
  });
});

describe('reload', () => {
  it('leaves an unchanged resource alone, starts a new one, releases a removed one', () => {
    const first = threeNodeConfigs();
    const h = new Harness(first);
    elected(h, 'lolek');
    const scriptsBefore = h.scriptTrace().length;
    const same = first.find((c) => c.node === 'lolek');
    if (same === undefined) throw new Error('no lolek');
    expect(h.reload('lolek', structuredClone(same))).toBeUndefined();
    h.advance(500);
    expect(h.scriptTrace().slice(scriptsBefore).every((l) => l.includes(' run monitor '))).toBe(true);

    const members = same.resources[0]?.members ?? [];
    const withExtra = (c: CoreConfig): CoreConfig => ({ ...c, resources: [...c.resources, resourceSpec('extra', members)] });
    for (const c of first) h.reload(c.node, withExtra(c));
    h.until(() => h.state('lolek', 'extra') === 'RUNNING', 5000, 'extra RUNNING');
    expect(h.state('lolek', RES)).toBe('RUNNING');

    for (const c of first) h.reload(c.node, c);
    h.until(() => h.runningOn('extra').length === 0, 2000, 'extra stopped');
    h.advance(1);
    expect(() => h.state('lolek', 'extra')).toThrow(/no resource extra/);
    expect(h.state('lolek', RES)).toBe('RUNNING');
  });

  it('refuses a change of cluster timing and keeps running as before', () => {
    const configs = threeNodeConfigs();
    const h = new Harness(configs);
    elected(h, 'lolek');
    const lolek = configs.find((c) => c.node === 'lolek');
    if (lolek === undefined) throw new Error('no lolek');
    expect(h.reload('lolek', { ...lolek, timing: { ...lolek.timing, lease: 2000 } })).toMatch(/lease changed/);
    h.advance(3000);
    expect(h.state('lolek', RES)).toBe('RUNNING');
  });

  it('a changed priority takes effect for later elections without moving the resource', () => {
    const configs = threeNodeConfigs();
    const h = new Harness(configs);
    elected(h, 'lolek');
    const swapped = configs.map((c) => ({
      ...c,
      resources: c.resources.map((r) => ({
        ...r,
        members: r.members.map((m) => (m.node === 'lolek' ? { ...m, priority: 5 } : m.node === 'bolek' ? { ...m, priority: 0 } : m)),
      })),
    }));
    for (const c of swapped) h.reload(c.node, c);
    h.advance(3000);
    expect(h.state('lolek', RES)).toBe('RUNNING'); // stickiness
    expect(h.view('lolek', RES).priority).toBe(5);
    h.command('lolek', { type: 'hup' });
    elected(h, 'bolek');
  });
});

describe('start-up order', () => {
  it('the preferred node wins even when it boots after the others', () => {
    const configs = threeNodeConfigs();
    const lolek = configs.find((c) => c.node === 'lolek');
    if (lolek === undefined) throw new Error('no lolek');
    const h = new Harness(configs.filter((c) => c.node !== 'lolek'));
    h.advance(900); // bolek and the watchdog are almost through their start-up wait
    h.addNode(lolek);
    elected(h, 'lolek', 5000);
    expect(runs(h, 'start')).toEqual(['lolek']);
  });
});

describe('found by the process-level tests', () => {
  it('HUP hands over every time, back and forth', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    for (const [from, to] of [['lolek', 'bolek'], ['bolek', 'lolek'], ['lolek', 'bolek'], ['bolek', 'lolek']] as const) {
      h.advance(1500);
      h.command(from, { type: 'hup' });
      elected(h, to, 3000);
      expect(startsAndStops(h).slice(-2)).toEqual([`${from} stop`, `${to} start`]);
    }
  });

  it('a holder that wakes from a long pause stops, and the new holder keeps the resource', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.pause('lolek');
    elected(h, 'bolek');
    h.advance(1000);
    h.resume('lolek');
    h.advance(5000);
    expect(h.state('bolek', RES)).toBe('RUNNING');
    expect(h.state('lolek', RES)).toBe('STANDBY');
    expect(runs(h, 'start')).toEqual(['lolek', 'bolek']);
  });
});

describe('found by review', () => {
  it('TERM after a failed stop does not leave: the node stays, blocking takeover, until cleared', () => {
    const h = new Harness(threeNodeConfigs());
    let stopFails = true;
    h.scriptsBehave((node, _r, action) => (stopFails && node === 'lolek' && action === 'stop' && h.now > 500 ? { ms: 10, exit: 1 } : undefined));
    elected(h, 'lolek');
    h.command('lolek', { type: 'term' });
    h.advance(5000);
    expect(h.isAlive('lolek')).toBe(true);
    expect(h.state('lolek', RES)).toBe('ERRORED');
    expect(runs(h, 'start')).toEqual(['lolek']);
    expect(h.logs.some((l) => l.includes('not exiting: a stop failed for daemon'))).toBe(true);
    stopFails = false;
    h.command('lolek', { type: 'clear', resources: 'all' });
    expect(h.isAlive('lolek')).toBe(false);
    elected(h, 'bolek');
  });

  it('a node that finds the resource running but cannot see a quorum stops it instead of adopting it', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.crash('bolek');
    h.isolate('bolek');
    h.advance(500);
    h.startServiceOn('bolek', RES); // enabled at boot, say, outside hastmon
    h.boot('bolek');
    h.advance(300);
    expect(h.state('bolek', RES)).toBe('STOPPING'); // reports the copy while it waits for endorsements
    expect(h.view('bolek', RES).reason).toMatch(/found running: waiting for endorsements to keep it \(0 of 2\)/);
    h.advance(3000);
    expect(h.state('lolek', RES)).toBe('RUNNING');
    expect(h.runningOn(RES)).toEqual(['lolek']);
    expect(h.logs.some((l) => /bolek warning: daemon: found running here but no quorum endorsed keeping it in time/.test(l))).toBe(true);
  });

  it('a node that finds the resource running while a voter endorses another node stops it', () => {
    const h = new Harness(threeNodeConfigs());
    elected(h, 'lolek');
    h.crash('bolek');
    h.cutLink('bolek', 'lolek');
    h.advance(500);
    h.startServiceOn('bolek', RES);
    h.boot('bolek');
    h.advance(3000);
    expect(h.runningOn(RES)).toEqual(['lolek']);
    expect(h.logs.some((l) => /bolek warning: daemon: found running here but reksio endorses lolek/.test(l))).toBe(true);
  });
});

describe('found by the simulator with operator commands', () => {
  it('a copy found running at boot is reported at once, so nobody else starts the resource meanwhile', () => {
    const configs = threeNodeConfigs();
    const h = new Harness();
    for (const c of configs) h.addNode(c, false);
    h.startServiceOn('bolek', RES);
    for (const c of configs) h.boot(c.node);
    h.advance(6000);
    expect(h.runningOn(RES)).toEqual(['lolek']);
    // Everybody was starting up, so nobody could endorse keeping the copy in time: bolek stopped
    // it, and only then did the election start the resource, on the preferred node.
    const order = startsAndStops(h).filter((l) => l !== 'lolek stop');
    expect(order).toEqual(['bolek stop', 'lolek start']);
  });

  it('TERM during the start-up check stops a copy it finds before leaving', () => {
    const configs = threeNodeConfigs();
    const h = new Harness();
    for (const c of configs) h.addNode(c, false);
    h.scriptsBehave((node, _r, action) => (node === 'bolek' && action === 'probe' ? { ms: 300, exit: 0 } : undefined));
    h.startServiceOn('bolek', RES);
    for (const c of configs) h.boot(c.node);
    h.advance(100);
    h.command('bolek', { type: 'term' });
    h.advance(2000);
    expect(h.isAlive('bolek')).toBe(false);
    expect(h.runningOn(RES)).not.toContain('bolek');
  });

  it('role watchdog and back before the stop ends leaves a service node, not a stuck watchdog', () => {
    const h = new Harness(threeNodeConfigs());
    h.scriptsBehave((_n, _r, action) => (action === 'stop' && h.now > 500 ? { ms: 500, exit: 0 } : undefined));
    elected(h, 'lolek');
    h.command('lolek', { type: 'role', role: 'watchdog', resources: 'all' });
    h.advance(100);
    h.command('lolek', { type: 'role', role: 'secondary', resources: 'all' });
    h.advance(3000);
    expect(h.view('lolek', RES).role).toBe('secondary');
    expect(h.state('lolek', RES)).not.toBe('WATCHING');
    h.command('bolek', { type: 'hup' });
    elected(h, 'lolek', 5000);
  });

  it('a node kept from exiting by a failed stop does not hold up the election of its other resources', () => {
    const members: ResourceSpec['members'] = [
      { node: 'lolek', priority: 0, roleOnStart: 'secondary' },
      { node: 'bolek', priority: 1, roleOnStart: 'secondary' },
      { node: 'reksio', priority: 100, roleOnStart: 'watchdog' },
    ];
    const configs = members.map((m) => ({ node: m.node, timing: TEST_TIMING, resources: [resourceSpec('A', members), resourceSpec('B', members)], forceStart: false }));
    const h = new Harness(configs);
    h.until(() => h.state('lolek', 'A') === 'RUNNING' && h.state('lolek', 'B') === 'RUNNING', 5000);
    let stopsOfB = 0;
    h.scriptsBehave((node, resource, action) => (node === 'lolek' && resource === 'B' && action === 'stop' && stopsOfB++ === 0 ? { ms: 10, exit: 1 } : undefined));
    h.command('lolek', { type: 'term' }); // A stops and goes to bolek; B's stop fails, so lolek stays
    elected2(h, 'bolek', 'A');
    h.command('lolek', { type: 'role', role: 'watchdog', resources: ['A'] });
    h.advance(500);
    h.command('lolek', { type: 'role', role: 'secondary', resources: ['A'] });
    h.advance(500);
    h.command('bolek', { type: 'hup' }); // A must find a new holder; lolek, shutting down, is none
    h.advance(10_000);
    expect(h.state('lolek', 'A')).toBe('STANDBY');
    expect(h.runningOn('A')).toEqual(['bolek']);
  });
});

function elected2(h: Harness, node: string, resource: string): void {
  h.until(() => h.state(node, resource) === 'RUNNING', 5000, `${node} running ${resource}`);
}
