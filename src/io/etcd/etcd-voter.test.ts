// The client and the adapter against a real one-member etcd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, etcdForTests } from '../../testing/etcd-server.js';
import { etcdConfig, TEST_GUARD_MS, TEST_TTL_MS, TestVoter, RecordingLog, type RecordedClaim } from '../../testing/etcd-voter-harness.js';
import { monotonicMs } from '../clock.js';
import { EtcdAnswerError, EtcdClient } from './etcd-client.js';
import { holderValue, readCreateTxn, readGrant, readRange, toBase64 } from './gateway.js';

const etcd = etcdForTests();

describe.runIf(etcd.failInstead)('etcd', () => {
  it('is installed where CI runs the tests', () => {
    expect.fail('/usr/bin/etcd is missing: CI must install etcd-server (.ci/run does)');
  });
});

/** Every test uses its own resource names: keys of one test never meet another's. */
let unique = 0;
const resourceName = (): string => `r${process.pid}-${(unique += 1)}`;

describe.runIf(etcd.run)('the etcd voter against one member', () => {
  let cluster: EtcdCluster;
  const voters: TestVoter[] = [];
  const voter = (node: string, resources: string[], incarnation = 1): TestVoter => {
    const v = new TestVoter(etcdConfig(cluster.endpoints), node, incarnation, resources);
    voters.push(v);
    return v;
  };

  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
  });
  afterAll(async () => {
    await Promise.all(voters.map((v) => v.voter.close(1_000)));
    await cluster?.stop();
  });

  it('learns a free key at start, owns it on want, and a second node learns the owner', async () => {
    const web = resourceName();
    const a = voter('a', [web], 11);
    const b = voter('b', [web], 22);
    await a.waitFor((c) => c.status === 'free', 5_000);
    await b.waitFor((c) => c.status === 'free', 5_000);
    const asked = monotonicMs();
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const ours = await a.waitFor((c) => c.status === 'ours', 5_000);
    // Counted from the send time of the grant, never beyond TTL - guard from when it was asked.
    if (ours.claim.status !== 'ours') throw new Error('unreachable');
    expect(ours.claim.countsUntil).toBeGreaterThan(asked + TEST_TTL_MS - TEST_GUARD_MS - 1);
    expect(ours.claim.countsUntil).toBeLessThanOrEqual(ours.at + TEST_TTL_MS - TEST_GUARD_MS);
    await b.waitFor((c) => c.status === 'theirs' && c.node === 'a' && c.incarnation === 11, 5_000);
    b.voter.want({ kind: 'etcd-want', resource: web, want: true });
    // b's create fails: it stays 'theirs' and never reports ours while a holds the key.
    const from = b.claims.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(b.claims.slice(from).some((c) => c.claim.status === 'ours')).toBe(false);
    expect(b.voter.status().resources[0]).toMatchObject({ name: web, claim: 'theirs', owner: 'a', countsForMs: 0 });
    expect(a.voter.status()).toMatchObject({ endpoint: cluster.endpoints[0], connected: true, resources: [{ name: web, claim: 'ours', owner: 'a' }] });
  });

  it('renews ours after each keepalive, from its send time', async () => {
    const web = resourceName();
    const a = voter('a', [web]);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const first = await a.waitFor((c) => c.status === 'ours', 5_000);
    const index = a.claims.indexOf(first);
    const later = await a.waitFor((c) => c.status === 'ours', 5_000, index + 1);
    const countsUntil = (c: RecordedClaim): number => (c.claim.status === 'ours' ? c.claim.countsUntil : NaN);
    expect(countsUntil(later)).toBeGreaterThan(countsUntil(first));
    expect(countsUntil(later)).toBeLessThanOrEqual(later.at + TEST_TTL_MS - TEST_GUARD_MS);
    // Keepalives come about every TTL/3: the next one well before the first counting ran out.
    expect(later.at).toBeLessThan(countsUntil(first));
  });

  it('revokes on want=false, and the other node sees the DELETE and wins without waiting for the TTL', async () => {
    const web = resourceName();
    const a = voter('a', [web]);
    const b = voter('b', [web]);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    await a.waitFor((c) => c.status === 'ours', 5_000);
    await b.waitFor((c) => c.status === 'theirs', 5_000);
    b.voter.want({ kind: 'etcd-want', resource: web, want: true });
    // Wait for a keepalive: the lease is then fresh, and without the revoke b would wait a whole TTL.
    await a.waitFor((c) => c.status === 'ours', 5_000, a.claims.length);
    const released = monotonicMs();
    a.voter.want({ kind: 'etcd-want', resource: web, want: false });
    const won = await b.waitFor((c) => c.status === 'ours', 5_000);
    expect(won.at - released).toBeLessThan(TEST_TTL_MS);
    await a.waitFor((c) => c.status === 'theirs' && c.node === 'b', 5_000);
    expect(a.log.lines.some((l) => l.includes('lease revoked'))).toBe(true);
  });

  it("frees a dead holder's key only when etcd expires its lease, and then wins it", async () => {
    const web = resourceName();
    const raw = new EtcdClient({ config: etcdConfig(cluster.endpoints), now: monotonicMs, log: new RecordingLog() });
    const key = toBase64(`/hastmon-test/${web}/holder`);
    const grant = await raw.call('/v3/lease/grant', { TTL: '2' }, readGrant);
    const txn = await raw.call(
      '/v3/kv/txn',
      {
        compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
        success: [{ request_put: { key, value: toBase64(holderValue('dead', 5)), lease: grant.value.id } }],
        failure: [{ request_range: { key } }],
      },
      readCreateTxn,
    );
    expect(txn.value.created).toBe(true);
    const b = voter('b', [web]);
    await b.waitFor((c) => c.status === 'theirs' && c.node === 'dead' && c.incarnation === 5, 5_000);
    b.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const won = await b.waitFor((c) => c.status === 'ours', 10_000);
    // etcd keeps a lease at least its TTL: never freed earlier (the 50 ms are the clock's grain).
    expect(won.at - grant.sentAt).toBeGreaterThanOrEqual(TEST_TTL_MS - 50);
    const free = b.claims.findIndex((c) => c.claim.status === 'free');
    expect(free).toBeGreaterThan(0);
    raw.close();
  });

  it('says the key is no longer ours when its lease is gone', async () => {
    const web = resourceName();
    const a = voter('a', [web]);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    await a.waitFor((c) => c.status === 'ours', 5_000);
    // Someone (an operator, etcdctl lease revoke) revokes the lease behind hastmon's back.
    const range = await a.client.call('/v3/kv/range', { key: toBase64(`/hastmon-test/${web}/holder`) }, readRange);
    const from = a.claims.length;
    await a.client.call('/v3/lease/revoke', { ID: range.value.kv?.lease ?? '0' }, () => null);
    const lost = await a.waitFor((c) => c.status === 'free', 5_000, from);
    // a still wants it, and the key is free: it creates it again, with a new lease.
    await a.waitFor((c) => c.status === 'ours', 5_000, a.claims.indexOf(lost) + 1);
    const now = await a.client.call('/v3/kv/range', { key: toBase64(`/hastmon-test/${web}/holder`) }, readRange);
    expect(now.value.kv?.lease).not.toBe(range.value.kv?.lease);
  });

  it('closed right after want=false, still carries out the revoke under way: the key is gone at once', async () => {
    const web = resourceName();
    const a = voter('a', [web]);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    await a.waitFor((c) => c.status === 'ours', 5_000);
    // As the daemon does on TERM: the core's want=false, then the exit's close, in one turn of the loop.
    a.voter.want({ kind: 'etcd-want', resource: web, want: false });
    await a.voter.close(a.voter.closeBoundMs());
    const raw = new EtcdClient({ config: etcdConfig(cluster.endpoints), now: monotonicMs, log: new RecordingLog() });
    const range = await raw.call('/v3/kv/range', { key: toBase64(`/hastmon-test/${web}/holder`) }, readRange);
    raw.close();
    expect(range.value.kv).toBeNull();
    expect(a.log.lines.some((l) => l.includes('lease revoked'))).toBe(true);
  });

  it('reads and watches the key of a resource added later (a reload)', async () => {
    const web = resourceName();
    const a = voter('a', []);
    a.voter.addResources([web]);
    await a.waitFor((c) => c.status === 'free', 5_000);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    await a.waitFor((c) => c.status === 'ours', 5_000);
    expect(a.voter.status().resources.map((r) => r.name)).toEqual([web]);
    expect(a.voter.requestCounts().ok).toBeGreaterThan(0);
  });

  it('reports an error of etcd as an answer, not as an unreachable endpoint', async () => {
    const raw = new TestVoter(etcdConfig(cluster.endpoints), 'x', 1, []);
    voters.push(raw);
    const refused = raw.client.call('/v3/lease/revoke', { ID: '12345' }, () => null);
    await expect(refused).rejects.toBeInstanceOf(EtcdAnswerError);
    await expect(refused).rejects.toMatchObject({ code: 5 });
    expect(raw.client.connected()).toBe(true);
  });
});
