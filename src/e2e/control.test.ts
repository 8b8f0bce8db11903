// hastmonctl against real daemons: status in HASTMON's format and as JSON, the README's role
// commands, offline, reload (refused when bad, unchanged resources untouched), and a standby
// stopped past the deadtime that reads what queued up before judging anyone silent.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it, type TestContext } from 'vitest';
import { DEFAULT_ATTEMPTS, DEFAULT_COMPLAINT_COUNT, DEFAULT_COMPLAINT_INTERVAL_MS } from '../config/defaults.js';
import { Cluster, type ClusterOptions } from './cluster.js';
import { clusterForTest } from './per-test.js';
import { HASTMONCTL_POLL_MS } from './processes.js';
import { sharedCluster } from './shared-cluster.js';

const OPTIONS: ClusterOptions = {
  transport: 'unicast',
  nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }, { name: 'reksio', watchdog: true }],
  label: 'control',
};

/** Started, lolek running the resource, and every node seeing the others as they are. */
async function settle(cluster: Cluster): Promise<void> {
  await cluster.startAll();
  await cluster.waitFor('lolek to run it, all agreeing', () => cluster.agreeOn('lolek'), 15_000);
  // Peer views reach a node with its next heartbeat.
  await cluster.waitFor('every node to see the others', () =>
    cluster.names.every((n) => cluster.resource(n)?.rows.every((r) => r.state !== 'UNKNOWN' && r.state !== 'INITIAL' && r.state !== 'TIMEDOUT')),
  );
}

async function startCluster(context: TestContext): Promise<Cluster> {
  const cluster = await clusterForTest(context, OPTIONS);
  await settle(cluster);
  return cluster;
}

/** The value after `key:` in one resource block of hastmonctl's text output. */
function field(text: string, key: string): string | undefined {
  return text.split('\n').find((l) => l.trimStart().startsWith(`${key}:`))?.split(': ').slice(1).join(': ');
}

describe.concurrent('hastmonctl status shows each node its own picture', () => {
  const cluster = sharedCluster(OPTIONS, settle);

  it("on the holder, in HASTMON's format", async () => {
    const c = cluster();
    const lolek = await c.hastmonctl('lolek', 'status');
    expect(lolek.code).toBe(0);
    expect(lolek.stdout.split('\n')[0]).toBe('daemon:');
    expect(field(lolek.stdout, 'role')).toBe('primary');
    expect(field(lolek.stdout, 'state')).toBe('run');
    expect(field(lolek.stdout, 'exec')).toBe(c.scriptPath);
    expect(field(lolek.stdout, 'remoteaddr')).toBe(`${c.listenAddress('bolek')}(connected) ${c.listenAddress('reksio')}(connected)`);
    expect(field(lolek.stdout, 'attempts')).toBe(`0 from ${DEFAULT_ATTEMPTS}`);
    expect(field(lolek.stdout, 'complaints')).toMatch(
      new RegExp(`^\\d+ for last ${DEFAULT_COMPLAINT_INTERVAL_MS / 1000} sec \\(threshold ${DEFAULT_COMPLAINT_COUNT}\\)$`),
    );
    expect(field(lolek.stdout, 'heartbeat')).toBe(`${c.heartbeatMs / 1000} sec`);
  });

  it('on the standby, for one resource named, and on the watchdog, with the roles and states of the others', async () => {
    const c = cluster();
    const bolek = await c.hastmonctl('bolek', 'status', 'daemon');
    expect([field(bolek.stdout, 'role'), field(bolek.stdout, 'state')]).toEqual(['secondary', 'stopped']);
    const reksio = await c.hastmonctl('reksio', 'status');
    expect(field(reksio.stdout, 'role')).toBe('watchdog');
    expect(field(reksio.stdout, 'remoteaddr')).toBe(`${c.listenAddress('lolek')}(primary/run) ${c.listenAddress('bolek')}(secondary/stopped)`);
  });

  it('as JSON', async () => {
    const json = await cluster().hastmonctl('bolek', 'status', '--json');
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { node: string; resources: Array<{ holder: string; peers: Array<{ node: string; state: string }> }> };
    expect(doc.node).toBe('bolek');
    expect(doc.resources[0]?.holder).toBe('lolek');
    expect(doc.resources[0]?.peers.map((p) => `${p.node} ${p.state}`).sort()).toEqual(['lolek RUNNING', 'reksio WATCHING']);
  });

  it('and exits 65 for a resource that does not exist', async () => {
    const unknown = await cluster().hastmonctl('lolek', 'status', 'nosuch');
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain('no such resource: nosuch');
  });
});

describe.concurrent('hastmonctl commands change a running cluster', () => {
  it("role primary moves the resource with no overlap; the README's role commands end in its picture", async (context) => {
    const c = await startCluster(context);
    const asked = Date.now();
    expect((await c.hastmonctl('bolek', 'role', 'primary', 'all')).code).toBe(0);
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek'));
    const stop = c.recordAfter('lolek', 'stop-begin', asked);
    const start = c.recordAfter('bolek', 'start-begin', asked);
    expect(stop !== undefined && start !== undefined && stop.atMs < start.atMs).toBe(true);

    // lolek# hastmonctl role primary all; bolek# … secondary all; reksio# … watchdog all
    expect((await c.hastmonctl('bolek', 'role', 'secondary', 'all')).code).toBe(0);
    expect((await c.hastmonctl('lolek', 'role', 'primary', 'all')).code).toBe(0);
    expect((await c.hastmonctl('reksio', 'role', 'watchdog', 'all')).code).toBe(0);
    await c.waitFor('lolek to run it again', () => c.agreeOn('lolek'));
    const picture = await Promise.all(
      ['lolek', 'bolek', 'reksio'].map(async (n) => {
        const out = (await c.hastmonctl(n, 'status')).stdout;
        return `${n} ${field(out, 'role')}/${field(out, 'state')}`;
      }),
    );
    expect(picture).toEqual(['lolek primary/run', 'bolek secondary/stopped', 'reksio watchdog/run']);
    expect(c.violations()).toEqual([]);
  });

  it('events shows a failover on the node that took over: the holder gone silent, then its own start', async (context) => {
    const c = await startCluster(context);
    c.crash('lolek');
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek'), 15_000);
    const text = await c.hastmonctl('bolek', 'events');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    const silent = lines.findIndex((l) => new RegExp(`^${iso}  daemon  holder lolek -> none  lolek not heard for \\d+ ms \\(TIMEDOUT\\)$`).test(l));
    const starting = lines.findIndex((l) => new RegExp(`^${iso}  daemon  STANDBY -> STARTING  elected: `).test(l));
    const running = lines.findIndex((l) => new RegExp(`^${iso}  daemon  STARTING -> RUNNING  started$`).test(l));
    expect([silent, starting, running].every((i) => i >= 0), text.stdout).toBe(true);
    expect(silent < starting && starting < running, text.stdout).toBe(true);

    const json = await c.hastmonctl('bolek', 'events', '-n', '2', '--json');
    const doc = JSON.parse(json.stdout) as { node: string; events: Array<{ seq: number; subject: string; to: string }> };
    expect(doc.node).toBe('bolek');
    expect(doc.events).toHaveLength(2);
    expect(doc.events[1]?.seq).toBe((doc.events[0]?.seq ?? 0) + 1);
    expect(doc.events.at(-1)).toMatchObject({ subject: 'state', to: 'RUNNING' });
    expect(c.violations()).toEqual([]);
  });

  it('offline releases the resource and refuses it for that long', async (context) => {
    const c = await startCluster(context);
    expect(await c.hastmonctl('lolek', 'offline', '4s')).toEqual({ code: 0, stdout: 'offline for 4 s: releasing daemon\n', stderr: '' });
    await c.waitFor('bolek to take it', () => c.agreeOn('bolek'));
    expect(c.resource('lolek')?.reason).toMatch(/offline for \d+ s/);
    const json = JSON.parse((await c.hastmonctl('lolek', 'status', '--json')).stdout) as { resources: Array<{ offlineSec: number }> };
    expect(json.resources[0]?.offlineSec).toBeGreaterThan(0);
    // The peers see it too, from lolek's heartbeats: in their JSON and their state files.
    type Peers = { resources: Array<{ peers: Array<{ node: string; offline: boolean }> }> };
    const bolekSees = JSON.parse((await c.hastmonctl('bolek', 'status', '--json')).stdout) as Peers;
    expect(bolekSees.resources[0]?.peers.find((p) => p.node === 'lolek')?.offline).toBe(true);
    expect(readFileSync(c.path('bolek.state'), 'utf8')).toMatch(/lolek .* offline/);
    expect(c.violations()).toEqual([]);
  });

  it('reload refuses a bad configuration and keeps the running one; a good one leaves the resource alone', async (context) => {
    const c = await startCluster(context);
    const good = readFileSync(c.configPath, 'utf8');
    writeFileSync(c.configPath, `${good}lease 10ms\nbogus_keyword 1\n`);
    const refused = await c.hastmonctl('lolek', 'reload');
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(new RegExp(`${c.configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    expect(refused.stderr).toContain('reload refused');
    // The daemon's log has it too, one line per error, for whoever reads the log and not the terminal.
    await c.waitForLog('lolek', /warning.*reload: .*bogus_keyword/);
    await c.waitForLog('lolek', /warning.*reload: reload refused: the running configuration is kept/);
    expect(c.agreeOn('lolek')).toBe(true);

    const recordsBefore = c.records().length;
    writeFileSync(c.configPath, good.replace('resource daemon {', 'resource daemon {\n  attempts 4'));
    const reloaded = await Promise.all(c.names.map((n) => c.hastmonctl(n, 'reload')));
    expect(reloaded.map((r) => r.code)).toEqual([0, 0, 0]);
    // No stop, no start: the resource was left alone, through a deadtime and a lease of heartbeats carrying the new configuration.
    await c.keepsTrue('no stop or start since the reload', () => c.records().length === recordsBefore, c.deadtimeMs + c.leaseMs);
    expect(field((await c.hastmonctl('lolek', 'status')).stdout, 'attempts')).toBe('0 from 4');

    const heartbeat = `heartbeat_interval ${c.heartbeatMs}ms`;
    expect(good).toContain(heartbeat);
    writeFileSync(c.configPath, good.replace(heartbeat, `heartbeat_interval ${c.heartbeatMs / 2}ms`));
    const timing = await c.hastmonctl('lolek', 'reload');
    expect(timing.code).toBe(78);
    expect(timing.stderr).toMatch(/heartbeatInterval changed/);
  });

  it('reload that removes a running resource stops it with its own script first', async (context) => {
    const c = await startCluster(context);
    const extra = c.path('extra.sh');
    // Each line of the record is written once its step is done.
    writeFileSync(
      extra,
      `#!/bin/sh\ncase "$1" in\nstart) touch ${c.path('extra.$HASTMON_NODE')}; echo "$HASTMON_NODE start" >> ${c.path('extra.record')};;\n` +
        `stop) rm -f ${c.path('extra.$HASTMON_NODE')}; echo "$HASTMON_NODE stop" >> ${c.path('extra.record')};;\n` +
        `status) [ -e ${c.path('extra.$HASTMON_NODE')} ];;\n*) exit 0;;\nesac\n`,
      { mode: 0o755 },
    );
    const extraRecord = (): string[] => (existsSync(c.path('extra.record')) ? readFileSync(c.path('extra.record'), 'utf8').split('\n') : []);
    const original = readFileSync(c.configPath, 'utf8');
    const sections = original.slice(original.indexOf('resource daemon {')).replace('resource daemon {', 'resource extra {').replace(/exec \S+/, `exec ${extra}`);
    writeFileSync(c.configPath, `${original}${sections}`);
    for (const n of c.names) expect((await c.hastmonctl(n, 'reload')).code).toBe(0);
    await c.waitFor('extra to run on lolek', () => extraRecord().includes('lolek start'));

    writeFileSync(c.configPath, original);
    expect((await c.hastmonctl('lolek', 'reload')).code).toBe(0);
    // The start-up probe ran stop once before the start; the one that counts comes after it.
    const afterStart = (): string[] => {
      const lines = extraRecord();
      return lines.slice(lines.indexOf('lolek start') + 1);
    };
    await c.waitFor('extra to be stopped on lolek by its own script', () => afterStart().includes('lolek stop'));
    expect(existsSync(c.path('extra.lolek'))).toBe(false);
    const status = await c.waitFor('lolek to forget extra once stopped', async () => {
      const out = (await c.hastmonctl('lolek', 'status')).stdout;
      return !out.includes('extra:') && out;
    }, 10_000, HASTMONCTL_POLL_MS);
    expect(status).toContain('daemon:');
    expect(c.agreeOn('lolek')).toBe(true);
  });

  it('a standby stopped past the deadtime reads the queued heartbeats before judging anyone silent', async (context) => {
    const c = await startCluster(context);
    const peerState = (observer: string, node: string): string | undefined => c.resource(observer)?.rows.find((r) => r.node === node)?.state;
    const frozenAt = c.freeze('bolek');
    await c.waitFor('lolek and reksio to see bolek time out, twice the deadtime after the freeze', () =>
      Date.now() >= frozenAt + 2 * c.deadtimeMs && ['lolek', 'reksio'].every((n) => peerState(n, 'bolek') === 'TIMEDOUT'),
    );
    const wokeAt = c.thaw('bolek');

    // The first picture bolek writes on waking is the one it decided on, with the heartbeats that
    // queued up while it was stopped read: lolek still runs the resource.
    const woken = await c.waitFor('bolek to write its state file after waking', () => {
      const state = c.state('bolek');
      return state !== undefined && state.writtenAtMs >= wokeAt && state;
    }, 10_000, 1);
    const resource = woken.resources.find((r) => r.name === 'daemon');
    expect({ holder: resource?.holder, lolek: resource?.rows.find((r) => r.node === 'lolek')?.state }).toEqual({ holder: 'lolek', lolek: 'RUNNING' });

    // Its peers hear it again; a no-op clear then marks bolek's log: what it logged on waking is written by then.
    await c.waitFor('lolek and reksio to see bolek again', () => ['lolek', 'reksio'].every((n) => peerState(n, 'bolek') === 'STANDBY'));
    expect((await c.hastmonctl('bolek', 'clear')).code).toBe(0);
    await c.waitForLog('bolek', /hastmonctl: clear all/);
    const sinceWaking = c.log('bolek').split('\n').filter((l) => Date.parse(l.slice(0, 24)) >= wokeAt);
    expect(sinceWaking.filter((l) => /disconnected/.test(l))).toEqual([]);
    expect(c.agreeOn('lolek')).toBe(true);
  });
});
