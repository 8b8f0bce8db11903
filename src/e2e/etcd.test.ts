// Two service nodes and a real etcd as the third voter, no watchdog (hastmon.conf(5), `etcd`):
// real daemons on loopback, each test with its own one-member etcd. lease 2s makes etcd's lease
// TTL 2 s, its minimum. Every test ends with the record's check that no two nodes ran the
// resource at once.
import type { TestContext } from 'vitest';
import { describe, expect, it } from 'vitest';
import { etcdTtlMs } from '../core/quorum.js';
import { EtcdCluster, etcdForTests } from '../testing/etcd-server.js';
import type { Cluster } from './cluster.js';
import { clusterForTest } from './per-test.js';
import { freePort } from './processes.js';
import { UdpRelay } from './udp-relay.js';

const etcd = etcdForTests();

/** heartbeat 200ms and deadtime 1s as by default; the lease at etcd's minimum TTL. */
const TIMING = { heartbeatInterval: 200, deadtime: 1_000, lease: 2_000 };
const TTL_MS = etcdTtlMs(TIMING.lease);
/** How long "nothing changes" is watched for: a few leases, each long enough for a holder to give up. */
const WATCH_MS = 3 * TIMING.lease;

describe.runIf(etcd.failInstead)('etcd', () => {
  it('is installed where CI runs the tests', () => {
    expect.fail('/usr/bin/etcd is missing: CI must install etcd-server (.ci/run does)');
  });
});

interface Setup {
  c: Cluster;
  etcd: EtcdCluster;
  relay: UdpRelay | undefined;
}

/**
 * etcd, then lolek (priority 0) and bolek with etcd as their third voter; waits until lolek runs
 * the resource and owns its key, as both state files say.
 */
async function twoNodesAndEtcd(context: TestContext, options: { relay?: boolean; http?: number } = {}): Promise<Setup> {
  const server = await EtcdCluster.start(1);
  context.onTestFinished(() => server.stop());
  let relay: UdpRelay | undefined;
  const c = await clusterForTest(context, {
    transport: 'unicast',
    nodes: [{ name: 'lolek', priority: 0, ...(options.http === undefined ? {} : { lines: [`http 127.0.0.1:${options.http}`] }) }, { name: 'bolek', priority: 1 }],
    label: 'etcd',
    timing: TIMING,
    globalLines: ['etcd {', `  endpoints ${server.endpoints.join(' ')}`, '  prefix /hastmon-e2e/', '  timeout 500ms', '}'],
    ...(options.relay === true
      ? {
          remotesFor: async (ports: ReadonlyMap<string, number>) => {
            relay = await UdpRelay.start(ports.get('lolek') ?? 0, ports.get('bolek') ?? 0);
            return { lolek: [relay.addressOfB], bolek: [relay.addressOfA] };
          },
        }
      : {}),
  });
  if (relay !== undefined) {
    const opened = relay;
    context.onTestFinished(() => opened.close());
  }
  await c.startAll();
  await c.waitFor('both to agree that lolek runs it', () => c.agreeOn('lolek'), 20_000);
  await c.waitFor("lolek to own etcd's key", () => c.resource('lolek')?.etcd.startsWith('ours, counts'), 5_000);
  await c.waitFor("bolek to see lolek owning etcd's key", () => c.resource('bolek')?.etcd === 'held by lolek', 5_000);
  expect(c.resource('bolek')).toMatchObject({ quorum: 2, voters: 3 });
  return { c, etcd: server, relay };
}

/** The resource began or stopped on `node` after `afterMs` (from the record, which misses nothing a poll might). */
function changedSince(c: Cluster, node: string, afterMs: number): boolean {
  return c.records().some((l) => l.node === node && l.atMs >= afterMs && (l.event === 'start-begin' || l.event === 'stop-begin'));
}

describe.runIf(etcd.run).concurrent('two nodes and etcd, no watchdog', () => {
  it('kill -9 of the holder: the other takes over once etcd has let the key expire', async (context) => {
    const { c } = await twoNodesAndEtcd(context);
    expect(c.log('lolek')).not.toMatch(/two nodes and no watchdog/);

    const killedAt = c.crash('lolek');
    const started = await c.waitFor('bolek to start', () => c.recordAfter('bolek', 'start-begin', killedAt), 15_000);
    const took = started.atMs - killedAt;
    console.log(`etcd: failover after kill -9 of lolek: ${Math.round(took)} ms to the start script on bolek (TTL ${TTL_MS} ms)`);
    // lolek renewed its lease at most a third of the TTL before it died, and etcd keeps a lease at
    // least its TTL: bolek, with only etcd to make its quorum, cannot have started earlier.
    expect(took).toBeGreaterThanOrEqual(TTL_MS - TTL_MS / 3 - 100);
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek'), 10_000);
    await c.waitFor("bolek to own etcd's key", () => c.resource('bolek')?.etcd.startsWith('ours, counts'), 5_000);
    expect(c.violations()).toEqual([]);
  });

  it('cut apart, both ways and then one way, the nodes run the resource on exactly one', async (context) => {
    const { c, relay } = await twoNodesAndEtcd(context, { relay: true });
    if (relay === undefined) throw new Error('no relay');
    expect(relay.counts['a-to-b'].forwarded).toBeGreaterThan(0);

    const cutAt = Date.now();
    relay.cut();
    await c.waitFor('bolek to see lolek timed out', () => c.resource('bolek')?.rows.find((r) => r.node === 'lolek')?.state === 'TIMEDOUT', 5_000);
    await c.waitFor('lolek to see bolek timed out', () => c.resource('lolek')?.rows.find((r) => r.node === 'bolek')?.state === 'TIMEDOUT', 5_000);
    // lolek keeps it with etcd's endorsement (2 of 3); bolek, without etcd's, has 1 of 3.
    await c.keepsTrue('lolek running it, bolek standing by', () => c.ownState('lolek') === 'RUNNING' && c.ownState('bolek') === 'STANDBY', WATCH_MS);
    expect(changedSince(c, 'lolek', cutAt) || changedSince(c, 'bolek', cutAt)).toBe(false);
    expect(relay.counts['a-to-b'].dropped).toBeGreaterThan(0);
    expect(relay.counts['b-to-a'].dropped).toBeGreaterThan(0);

    relay.heal();
    await c.waitFor('both to agree again that lolek runs it', () => c.agreeOn('lolek'), 10_000);

    // bolek no longer hears lolek, lolek still hears bolek.
    const oneWayAt = Date.now();
    relay.cut(['a-to-b']);
    await c.waitFor('bolek to see lolek timed out', () => c.resource('bolek')?.rows.find((r) => r.node === 'lolek')?.state === 'TIMEDOUT', 5_000);
    await c.keepsTrue('lolek running it, bolek standing by', () => c.ownState('lolek') === 'RUNNING' && c.ownState('bolek') === 'STANDBY', WATCH_MS);
    expect(changedSince(c, 'lolek', oneWayAt) || changedSince(c, 'bolek', oneWayAt)).toBe(false);
    relay.heal();
    await c.waitFor('both to agree again that lolek runs it', () => c.agreeOn('lolek'), 10_000);
    expect(c.violations()).toEqual([]);
  });

  it('etcd lost while both nodes hear each other: nothing changes, and status, JSON and metrics say so', async (context) => {
    const httpPort = await freePort();
    const { c, etcd: server } = await twoNodesAndEtcd(context, { http: httpPort });
    const before = await metrics(httpPort);
    expect(before).toMatch(/^hastmon_etcd_connected 1$/m);
    expect(before).toMatch(/^hastmon_etcd_claim\{resource="daemon",claim="ours"\} 1$/m);
    expect(before).toMatch(/^hastmon_etcd_requests_total\{outcome="ok"\} [1-9]\d*$/m);
    const json = JSON.parse((await c.hastmonctl('lolek', 'status', '--json')).stdout) as { etcd: unknown };
    expect(json.etcd).toMatchObject({ endpoint: server.endpoints[0], connected: true, lastError: '', resources: [{ name: 'daemon', claim: 'ours', owner: 'lolek' }] });
    expect((await c.hastmonctl('bolek', 'status')).stdout).toMatch(/^ {2}etcd: held by lolek$/m);

    const lostAt = Date.now();
    await server.kill(0);
    // Once its last keepalive's window has passed, lolek counts etcd as unreachable: still 2 of 3.
    await c.waitFor('lolek to see etcd unreachable', () => c.resource('lolek')?.etcd.startsWith('unreachable'), 2 * TTL_MS + 2_000);
    await c.keepsTrue('lolek running it, bolek standing by', () => c.ownState('lolek') === 'RUNNING' && c.ownState('bolek') === 'STANDBY', WATCH_MS);
    expect(changedSince(c, 'lolek', lostAt) || changedSince(c, 'bolek', lostAt)).toBe(false);
    expect(c.log('lolek')).not.toMatch(/self-fenc/i);

    const after = await metrics(httpPort);
    expect(after).toMatch(/^hastmon_etcd_connected 0$/m);
    expect(after).toMatch(/^hastmon_etcd_claim\{resource="daemon",claim="unreachable"\} 1$/m);
    expect(after).toMatch(/^hastmon_etcd_requests_total\{outcome="failed"\} [1-9]\d*$/m);
    const status = (await c.hastmonctl('lolek', 'status')).stdout;
    expect(status).toMatch(/^ {2}etcd: unreachable \(.+\)$/m);
    expect(status).toMatch(/^etcd: http:\/\/127\.0\.0\.1:\d+ unreachable \(.+\)$/m);
    expect(c.violations()).toEqual([]);
  });

  it('etcd lost and then the standby: the holder, alone, stops the resource', async (context) => {
    const { c, etcd: server } = await twoNodesAndEtcd(context);
    await server.kill(0);
    await c.waitFor('lolek to see etcd unreachable', () => c.resource('lolek')?.etcd.startsWith('unreachable'), 2 * TTL_MS + 2_000);
    expect(c.ownState('lolek')).toBe('RUNNING');

    const crashedAt = c.crash('bolek');
    const stopped = await c.waitFor('lolek to stop it', () => c.recordAfter('lolek', 'stop-begin', crashedAt), 3 * TIMING.lease);
    console.log(`etcd: with etcd gone, lolek began stopping ${Math.round(stopped.atMs - crashedAt)} ms after kill -9 of bolek (lease ${TIMING.lease} ms)`);
    await c.waitFor('lolek to stand by', () => c.ownState('lolek') === 'STANDBY', 10_000);
    // 1 of 3: it never starts it again on its own.
    await c.keepsTrue('lolek standing by', () => c.ownState('lolek') === 'STANDBY', TIMING.lease);
    expect(c.recordAfter('lolek', 'start-begin', crashedAt)).toBeUndefined();
    expect(c.violations()).toEqual([]);
  });

  it('a clean TERM of the holder hands over without waiting for the TTL', async (context) => {
    const { c } = await twoNodesAndEtcd(context);
    const termAt = c.signal('lolek', 'SIGTERM');
    const started = await c.waitFor('bolek to start', () => c.recordAfter('bolek', 'start-begin', termAt), 10_000);
    const took = started.atMs - termAt;
    console.log(`etcd: handover after TERM of lolek: ${Math.round(took)} ms to the start script on bolek (TTL ${TTL_MS} ms)`);
    // Without the revoke, bolek would wait for lolek's lease to expire: a whole TTL after its last keepalive.
    expect(took).toBeLessThan(TTL_MS / 2);
    expect(await c.waitForExit('lolek')).toBe(0);
    expect(c.log('lolek')).toMatch(/etcd: daemon: lease revoked, key \/hastmon-e2e\/daemon\/holder released/);
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek', ['bolek']), 10_000);
    expect(c.violations()).toEqual([]);
  });
});

/** /metrics of the node's HTTP listener. */
async function metrics(port: number): Promise<string> {
  const answer = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(answer.status).toBe(200);
  return answer.text();
}
