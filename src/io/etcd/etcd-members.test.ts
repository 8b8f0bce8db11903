// The adapter against a real three-member etcd: one member killed, then a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, etcdForTests } from '../../testing/etcd-server.js';
import { etcdConfig, TEST_TIMEOUT_MS, TEST_TTL_MS, TestVoter } from '../../testing/etcd-voter-harness.js';
import { monotonicMs } from '../clock.js';

const etcd = etcdForTests();

describe.runIf(etcd.failInstead)('etcd', () => {
  it('is installed where CI runs the tests', () => {
    expect.fail('/usr/bin/etcd is missing: CI must install etcd-server (.ci/run does)');
  });
});

describe.runIf(etcd.run)('the etcd voter against three members', () => {
  let cluster: EtcdCluster;
  let a: TestVoter | undefined;

  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
  });
  afterAll(async () => {
    await a?.voter.close(1_000);
    await cluster?.stop();
  });

  it('keeps the key through the remaining members, and says unreachable once no quorum is left', async () => {
    a = new TestVoter(etcdConfig(cluster.endpoints), 'a', 1, ['web']);
    a.voter.want({ kind: 'etcd-want', resource: 'web', want: true });
    await a.waitFor((c) => c.status === 'ours', 10_000);
    expect(a.voter.status().endpoint).toBe(cluster.endpoints[0]);

    // One member killed (the one in use): keepalives go on through another.
    await cluster.kill(0);
    const killed = monotonicMs();
    const renewed = await a.waitFor((c) => c.status === 'ours' && c.countsUntil > killed + TEST_TTL_MS / 2, 10_000, a.claims.length);
    expect(renewed.claim.status).toBe('ours');
    expect(a.voter.status()).toMatchObject({ connected: true, resources: [{ claim: 'ours', owner: 'a' }] });
    expect(a.voter.status().endpoint).not.toBe(cluster.endpoints[0]);
    expect(a.claims.some((c) => c.claim.status === 'unreachable')).toBe(false);

    // A second one: the last member has no quorum, requests time out, the claim becomes unreachable.
    await cluster.kill(1);
    const lost = monotonicMs();
    const unreachable = await a.waitFor((c) => c.status === 'unreachable', 10_000, a.claims.length);
    // The key stays ours until the last countsUntil; then within a keepalive interval plus one
    // timeout per endpoint (and the scheduler's slack).
    const lastCounted = [...a.claims].reverse().find((c) => c.claim.status === 'ours');
    if (lastCounted?.claim.status !== 'ours') throw new Error('no ours claim');
    expect(unreachable.at).toBeGreaterThanOrEqual(lastCounted.claim.countsUntil);
    expect(unreachable.at - Math.max(lost, lastCounted.claim.countsUntil)).toBeLessThan(TEST_TTL_MS / 3 + 3 * TEST_TIMEOUT_MS + 2_000);
    expect(a.voter.status().connected).toBe(false);
    // countsUntil no longer advances: nothing 'ours' after that, for two TTLs.
    const from = a.claims.length;
    await new Promise((resolve) => setTimeout(resolve, 2 * TEST_TTL_MS));
    expect(a.claims.slice(from).filter((c) => c.claim.status === 'ours')).toEqual([]);
    const lastOurs = [...a.claims].reverse().find((c) => c.claim.status === 'ours');
    if (lastOurs?.claim.status !== 'ours') throw new Error('no ours claim');
    expect(lastOurs.claim.countsUntil).toBeLessThan(monotonicMs());
  });
});
