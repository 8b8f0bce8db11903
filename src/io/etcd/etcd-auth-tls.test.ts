// The client, its watch and the voter against a real one-member etcd with token authentication
// (enabled through the gateway) and, separately, with TLS and client certificates required.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdConfig } from '../../config/model.js';
import { enableAuth, HASTMON, invalidateTokens, STRANGER } from '../../testing/etcd-auth.js';
import { EtcdCluster, etcdForTests } from '../../testing/etcd-server.js';
import { etcdConfig, RecordingLog, TEST_GUARD_MS, TEST_TTL_MS, TestVoter, type RecordedClaim } from '../../testing/etcd-voter-harness.js';
import { makeCertificates, opensslForTests, type TestCertificates } from '../../testing/test-certificates.js';
import { monotonicMs } from '../clock.js';
import { EtcdAnswerError, EtcdClient, EtcdUnreachable } from './etcd-client.js';
import { holderValue, readCreateTxn, readGrant, readRange, readToken, toBase64, type WatchMessage } from './gateway.js';
import { postJson } from './http-post.js';
import { KeyWatch } from './key-watch.js';

const etcd = etcdForTests();
const openssl = opensslForTests();
const PREFIX = '/hastmon-test/';
const TOKEN_TTL_SEC = 1;

describe.runIf(etcd.failInstead || openssl.failInstead)('etcd and openssl', () => {
  it('are installed where CI runs the tests', () => {
    expect.fail('/usr/bin/etcd or /usr/bin/openssl is missing: CI must install etcd-server and openssl');
  });
});

let unique = 0;
const resourceName = (): string => `r${process.pid}-${(unique += 1)}`;
const keyOf = (resource: string): string => `${PREFIX}${resource}/holder`;
const countsUntil = (c: RecordedClaim): number => (c.claim.status === 'ours' ? c.claim.countsUntil : NaN);

/** A watch of `key` that records what it hears and how it ended. */
class RecordedWatch {
  readonly messages: WatchMessage[] = [];
  ended: string | null = null;
  readonly watch: KeyWatch;
  constructor(client: EtcdClient, key: string) {
    this.watch = new KeyWatch(client, client.endpoint(), key, 0, {
      onMessage: (m) => this.messages.push(m),
      onEnd: (why) => {
        this.ended = why;
      },
    });
  }
  async until(test: () => boolean, withinMs: number, what: string): Promise<void> {
    const deadline = monotonicMs() + withinMs;
    while (!test()) {
      if (monotonicMs() > deadline) throw new Error(`${what} not within ${withinMs} ms; messages: ${JSON.stringify(this.messages)}; ended: ${this.ended}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Puts `key` with a lease of its own through `client`, as another hastmon would. */
async function createHeld(client: EtcdClient, key: string): Promise<void> {
  const grant = await client.call('/v3/lease/grant', { TTL: '10' }, readGrant);
  const txn = await client.call(
    '/v3/kv/txn',
    {
      compare: [{ key: toBase64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key: toBase64(key), value: toBase64(holderValue('other', 9)), lease: grant.value.id } }],
      failure: [{ request_range: { key: toBase64(key) } }],
    },
    readCreateTxn,
  );
  expect(txn.value.created).toBe(true);
}

describe.runIf(etcd.run)('the etcd voter with token authentication', () => {
  let cluster: EtcdCluster;
  const voters: TestVoter[] = [];
  const clients: EtcdClient[] = [];
  const watches: RecordedWatch[] = [];
  const config = (auth: EtcdConfig['auth']): EtcdConfig => etcdConfig(cluster.endpoints, { auth });
  const voter = (node: string, resources: string[], auth: EtcdConfig['auth'] = HASTMON): TestVoter => {
    const v = new TestVoter(config(auth), node, 1, resources);
    voters.push(v);
    return v;
  };
  const client = (auth: EtcdConfig['auth'] = HASTMON): EtcdClient => {
    const c = new EtcdClient({ config: config(auth), now: monotonicMs, log: new RecordingLog() });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    // Tokens that expire after 1 s unused (etcd's least): a standby's reads, every TTL, each find theirs expired.
    cluster = await EtcdCluster.start(1, undefined, { authTokenTtlSec: TOKEN_TTL_SEC });
    await enableAuth(cluster.endpoints, PREFIX);
  });
  afterAll(async () => {
    for (const w of watches) w.watch.close();
    await Promise.all(voters.map((v) => v.voter.close(1_000)));
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  it('creates and keeps the key with the right user and password', async () => {
    const web = resourceName();
    const a = voter('a', [web]);
    await a.waitFor((c) => c.status === 'free', 5_000);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const first = await a.waitFor((c) => c.status === 'ours', 5_000);
    const later = await a.waitFor((c) => c.status === 'ours', 5_000, a.claims.indexOf(first) + 1);
    expect(countsUntil(later)).toBeGreaterThan(countsUntil(first));
    const range = await client().call('/v3/kv/range', { key: toBase64(keyOf(web)) }, readRange);
    expect(range.value.kv?.value).toBe(holderValue('a', 1));
  });

  it('watches with its token: a DELETE made by another authorised client is seen', async () => {
    const key = keyOf(resourceName());
    const other = client();
    await createHeld(other, key);
    const watching = new RecordedWatch(client(), key);
    watches.push(watching);
    await watching.until(() => watching.messages.some((m) => m.created), 5_000, 'the watch created');
    expect(watching.messages.some((m) => m.canceled)).toBe(false);
    await other.call('/v3/kv/deleterange', { key: toBase64(key) }, () => null);
    await watching.until(() => watching.messages.some((m) => m.events.some((e) => e.type === 'DELETE')), 5_000, 'the DELETE');
    expect(watching.ended).toBeNull();
  });

  it('with a wrong password: a clear error at a bounded rate, never ours', async () => {
    const web = resourceName();
    const a = voter('a', [web], { user: HASTMON.user, password: 'not-the-password' });
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const refused = (l: string): boolean => l.includes('authentication as hastmon refused') && l.includes('invalid user ID or password');
    const deadline = monotonicMs() + 5_000;
    while (!a.log.lines.some(refused) && monotonicMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(a.log.lines.some(refused)).toBe(true);
    // Give the watch and the reader time to try again: still never ours.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(a.claims.some((c) => c.claim.status === 'ours')).toBe(false);
    expect(a.log.unlimited.filter(refused)).toEqual([]);
    // Status says why (polled: a request that timed out meanwhile may have been the last failure).
    const shown = monotonicMs() + 5_000;
    while (!/authentication as hastmon refused/.test(a.voter.status().lastError) && monotonicMs() < shown) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(a.voter.status().lastError).toMatch(/authentication as hastmon refused/);
  });

  it('with a user that has no permission on the prefix: a clear refusal, never ours', async () => {
    const web = resourceName();
    const a = voter('a', [web], STRANGER);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const call = a.client.call('/v3/kv/range', { key: toBase64(keyOf(web)) }, readRange);
    await expect(call).rejects.toBeInstanceOf(EtcdAnswerError);
    await expect(call).rejects.toThrow(`etcdserver: permission denied: user stranger may not read or write ${PREFIX}`);
    const readRefused = (l: string): boolean => l.includes(`${web}: read failed`) && l.includes('permission denied: user stranger');
    const deadline = monotonicMs() + 5_000;
    while (!a.log.lines.some(readRefused) && monotonicMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(a.log.lines.some(readRefused)).toBe(true);
    expect(a.claims.some((c) => c.claim.status === 'ours')).toBe(false);
    expect(a.log.unlimited.filter((l) => l.includes('permission denied'))).toEqual([]);
    expect(a.voter.status().lastError).toMatch(/permission denied: user stranger/);
    // Its watch is refused on the stream, and ends saying so.
    const watching = new RecordedWatch(a.client, keyOf(web));
    watches.push(watching);
    await watching.until(() => watching.ended !== null, 5_000, 'the refused watch ended');
    expect(watching.ended).toBe('canceled by etcd: PermissionDenied: etcdserver: permission denied');
  });

  it('without user and password: etcd refuses, and the error says that etcd wants them', async () => {
    const call = client(null).call('/v3/kv/range', { key: toBase64(keyOf(resourceName())) }, readRange);
    await expect(call).rejects.toBeInstanceOf(EtcdAnswerError);
    await expect(call).rejects.toThrow(/user name is empty.*'user' and 'password'/);
  });

  it('a member that cannot authenticate (no leader) sends the request on to the next endpoint', async () => {
    // A stand-in for a member cut off from its leader: etcd answers 503, code 14, to everything.
    const leaderless = createServer((req, res) => {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'etcdserver: no leader', message: 'etcdserver: no leader', code: 14 }));
    });
    await new Promise<void>((resolve) => leaderless.listen(0, '127.0.0.1', resolve));
    try {
      const address = leaderless.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const c = new EtcdClient({ config: etcdConfig([`http://127.0.0.1:${port}`, ...cluster.endpoints], { auth: HASTMON }), now: monotonicMs, log: new RecordingLog() });
      clients.push(c);
      const range = await c.call('/v3/kv/range', { key: toBase64(keyOf(resourceName())) }, readRange);
      expect(range.value.kv).toBeNull();
      expect(c.endpoint().url).toBe(cluster.endpoints[0]);
      expect(c.requestCounts()).toMatchObject({ ok: 1, failed: 1, refused: 0 });
    } finally {
      await new Promise((resolve) => leaderless.close(resolve));
    }
  });

  it('authenticates again when its token is invalidated, and the key stays ours', async () => {
    const web = resourceName();
    const a = voter('a', [web]);
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const held = await a.waitFor((c) => c.status === 'ours', 5_000);
    await a.waitFor((c) => c.status === 'ours', 5_000, a.claims.indexOf(held) + 1);
    const refusedBefore = a.client.requestCounts().refused;
    await invalidateTokens(cluster.endpoints, HASTMON);
    const invalidated = monotonicMs();
    // Renewals sent after the invalidation (countsUntil is their send time + TTL - guard): each needed a new token.
    const from = a.claims.length;
    const renewed = await a.waitFor((c) => c.status === 'ours' && c.countsUntil > invalidated + TEST_TTL_MS - TEST_GUARD_MS, 5_000, from);
    const again = await a.waitFor((c) => c.status === 'ours', 5_000, a.claims.indexOf(renewed) + 1);
    expect(countsUntil(again)).toBeGreaterThan(countsUntil(renewed));
    expect(a.claims.slice(from).every((c) => c.claim.status === 'ours')).toBe(true);
    expect(a.client.requestCounts().refused).toBe(refusedBefore);
  });

  it('a standby whose token expired between its reads authenticates again and goes on', async () => {
    const web = resourceName();
    const b = voter('b', [web]);
    await b.waitFor((c) => c.status === 'free', 5_000);
    // etcd does expire an unused token: one fetched by hand is refused after the TTL and a margin.
    const endpoint = b.client.endpoint();
    const token = readToken((await postJson({ endpoint, path: '/v3/auth/authenticate', body: { name: HASTMON.user, password: HASTMON.password }, timeoutMs: 5_000, agent: b.client.agent, token: null })).json);
    const before = b.client.requestCounts();
    await new Promise((resolve) => setTimeout(resolve, TOKEN_TTL_SEC * 1_000 + TEST_TTL_MS + 500));
    const expired = await postJson({ endpoint, path: '/v3/kv/range', body: { key: toBase64(keyOf(web)) }, timeoutMs: 5_000, agent: b.client.agent, token });
    expect(expired.status).toBe(401);
    // Meanwhile the standby's reader read the key at least once, each time with a new token.
    const after = b.client.requestCounts();
    expect(after.ok).toBeGreaterThan(before.ok);
    expect(after.refused).toBe(before.refused);
    expect(after.failed).toBe(before.failed);
    expect(b.claims.every((c) => c.claim.status === 'free')).toBe(true);
    // And it still wins the key when it wants it.
    b.voter.want({ kind: 'etcd-want', resource: web, want: true });
    await b.waitFor((c) => c.status === 'ours', 5_000);
  });

  it('a watch opened with an invalidated token ends, and the next one authenticates again', async () => {
    const key = keyOf(resourceName());
    const c = client();
    await c.call('/v3/kv/range', { key: toBase64(key) }, readRange); // the client now has a token
    await invalidateTokens(cluster.endpoints, HASTMON);
    const stale = new RecordedWatch(c, key);
    watches.push(stale);
    await stale.until(() => stale.ended !== null, 5_000, 'the stale watch ended');
    expect(stale.ended).toBe('canceled by etcd: Unauthenticated: etcdserver: invalid auth token');
    const fresh = new RecordedWatch(c, key);
    watches.push(fresh);
    await fresh.until(() => fresh.messages.some((m) => m.created), 5_000, 'the new watch created');
    await createHeld(client(), key);
    await fresh.until(() => fresh.messages.some((m) => m.events.some((e) => e.type === 'PUT')), 5_000, 'the PUT');
    expect(fresh.ended).toBeNull();
  });
});

describe.runIf(etcd.run && openssl.run)('the etcd voter over TLS with client certificates', () => {
  let cluster: EtcdCluster;
  let certificates: TestCertificates;
  const voters: TestVoter[] = [];
  const watches: RecordedWatch[] = [];
  const clients: EtcdClient[] = [];
  const tls = (extra: Partial<EtcdConfig>): EtcdConfig => etcdConfig(cluster.endpoints, extra);
  const voter = (node: string, resources: string[], extra: Partial<EtcdConfig>): TestVoter => {
    const v = new TestVoter(tls(extra), node, 1, resources);
    voters.push(v);
    return v;
  };
  const full = (): Partial<EtcdConfig> => ({ ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey });

  beforeAll(async () => {
    certificates = makeCertificates();
    cluster = await EtcdCluster.start(1, undefined, { tls: certificates });
  });
  afterAll(async () => {
    for (const w of watches) w.watch.close();
    await Promise.all(voters.map((v) => v.voter.close(1_000)));
    for (const c of clients) c.close();
    await cluster?.stop();
    certificates?.remove();
  });

  it('with ca, cert and key: creates, keeps alive and watches', async () => {
    expect(cluster.endpoints[0]).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const web = resourceName();
    const a = voter('a', [web], full());
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    const first = await a.waitFor((c) => c.status === 'ours', 5_000);
    const later = await a.waitFor((c) => c.status === 'ours', 5_000, a.claims.indexOf(first) + 1);
    expect(countsUntil(later)).toBeGreaterThan(countsUntil(first));

    const key = keyOf(resourceName());
    const c = new EtcdClient({ config: tls(full()), now: monotonicMs, log: new RecordingLog() });
    clients.push(c);
    const watching = new RecordedWatch(c, key);
    watches.push(watching);
    await watching.until(() => watching.messages.some((m) => m.created), 5_000, 'the watch created');
    await createHeld(c, key);
    await c.call('/v3/kv/deleterange', { key: toBase64(key) }, () => null);
    await watching.until(() => watching.messages.flatMap((m) => m.events).length === 2, 5_000, 'the PUT and the DELETE');
    expect(watching.messages.flatMap((m) => m.events).map((e) => e.type)).toEqual(['PUT', 'DELETE']);
  });

  it('without a client certificate: refused with a clear error, unreachable, never ours', async () => {
    const web = resourceName();
    const a = voter('a', [web], { ca: certificates.ca });
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    await a.waitFor((c) => c.status === 'unreachable', 5_000);
    const call = a.client.call('/v3/kv/range', { key: toBase64(keyOf(web)) }, readRange);
    await expect(call).rejects.toBeInstanceOf(EtcdUnreachable);
    await expect(call).rejects.toThrow(/etcd refused the TLS handshake \(bad certificate\): it wants a client certificate signed by a CA it trusts, given as 'cert' and 'key'$/);
    expect(a.voter.status().lastError).not.toMatch(/\n|openssl|\.c:/);
    expect(a.claims.some((c) => c.claim.status === 'ours')).toBe(false);
    expect(a.voter.status()).toMatchObject({ connected: false });
  });

  it('trusting another CA: refused with a clear error, unreachable, never ours', async () => {
    const web = resourceName();
    const a = voter('a', [web], { ...full(), ca: certificates.otherCa });
    a.voter.want({ kind: 'etcd-want', resource: web, want: true });
    await a.waitFor((c) => c.status === 'unreachable', 5_000);
    const call = a.client.call('/v3/kv/range', { key: toBase64(keyOf(web)) }, readRange);
    await expect(call).rejects.toBeInstanceOf(EtcdUnreachable);
    await expect(call).rejects.toThrow(/etcd's TLS certificate is not trusted \(.+\): check 'ca' and the endpoint's host$/);
    expect(a.claims.some((c) => c.claim.status === 'ours')).toBe(false);
    expect(a.voter.status().lastError).toMatch(/not trusted/);
  });
});
