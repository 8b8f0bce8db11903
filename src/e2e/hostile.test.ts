// A cluster with a key, flooded on loopback with garbage, forged and unauthenticated datagrams:
// the daemon drops and counts them, logs each kind at a bounded rate, and goes on as before.
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { encodeHeartbeat } from '../wire/encode.js';
import { clusterForTest } from './per-test.js';
import { HASTMONCTL_POLL_MS, sleep, udpSocketCounters, type UdpSocketCounters } from './processes.js';

const DATAGRAMS_PER_KIND = 500;
/** Datagrams are sent in batches this large, one batch per PACE_MS, so that the kernel's receive buffer does not overflow. */
const BATCH = 25;
const PACE_MS = 5;

/** hastmonctl status's `dropped heartbeats: 3 bad-mac, 1 truncated` line, by reason. */
function droppedHeartbeats(status: string): Map<string, number> {
  const line = status.split('\n').find((l) => l.startsWith('dropped heartbeats:')) ?? '';
  return new Map([...line.matchAll(/(\d+) ([\w-]+)/g)].map((m) => [m[2] ?? '', Number(m[1])]));
}

function send(port: number, datagrams: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.on('error', reject);
    let left = datagrams.length;
    for (const d of datagrams) {
      socket.send(d, port, '127.0.0.1', (error) => {
        if (error) reject(error);
        if (--left === 0) socket.close(() => resolve());
      });
    }
  });
}

describe('hostile datagrams', () => {
  it('are dropped, counted and logged at a bounded rate; the cluster carries on', async (context) => {
    const c = await clusterForTest(context, {
      transport: 'unicast',
      nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }, { name: 'reksio', watchdog: true }],
      globalLines: ['key {', '  algorithm sha256', '  secret "correct horse battery staple"', '}'],
      label: 'hostile',
    });
    await c.startAll();
    await c.waitFor('lolek to run it', () => c.agreeOn('lolek'), 15_000);
    const port = Number(c.listenAddress('lolek').split(':')[1]);

    const forged = (seq: number, key: Buffer | null): Buffer =>
      encodeHeartbeat(
        {
          node: 'bolek',
          incarnation: Date.now() + 1e9, // a newer incarnation than the real bolek's: worth forging
          seq,
          sentAt: 1,
          leaving: false,
          resources: [{ name: 'daemon', state: 'RUNNING', role: 'primary', priority: 0, eligible: false, yielding: false, forced: true, dirty: false, offline: false, vote: 'bolek', voteEcho: 1 }],
          echoes: [],
        },
        key,
      );
    const kinds = {
      garbage: Array.from({ length: DATAGRAMS_PER_KIND }, (_, i) => Buffer.from(`garbage ${i} `.repeat(i % 50))),
      badMac: Array.from({ length: DATAGRAMS_PER_KIND }, (_, i) => forged(i + 1, Buffer.from('a guessed secret'))),
      noMac: Array.from({ length: DATAGRAMS_PER_KIND }, (_, i) => forged(i + 1, null)),
    };
    const socket = (): UdpSocketCounters => {
      const counters = udpSocketCounters(c.listenAddress('lolek'));
      if (counters === undefined) throw new Error(`no UDP socket bound to ${c.listenAddress('lolek')}`);
      return counters;
    };
    const kernelDropsBefore = socket().drops;
    let sent = 0;
    for (const batch of Object.values(kinds)) {
      const datagrams = batch.filter((d) => d.length > 0);
      for (let i = 0; i < datagrams.length; i += BATCH) {
        await send(port, datagrams.slice(i, i + BATCH));
        sent += datagrams.slice(i, i + BATCH).length;
        await sleep(PACE_MS);
      }
    }

    // The kernel drops what a busy daemon's full receive buffer cannot take, and counts it: every
    // other datagram reaches lolek, which counts it, and none more.
    const count = await c.waitFor('lolek to count every datagram that reached it', async () => {
      if (socket().queued > 0) return false;
      const counted = droppedHeartbeats((await c.hastmonctl('lolek', 'status')).stdout);
      const total = [...counted.values()].reduce((a, b) => a + b, 0);
      return total + socket().drops - kernelDropsBefore >= sent && ((reason: string): number => counted.get(reason) ?? 0);
    }, 10_000, HASTMONCTL_POLL_MS);
    for (const reason of ['bad-mac', 'missing-mac']) {
      expect(count(reason)).toBeGreaterThan(0);
      expect(count(reason)).toBeLessThanOrEqual(DATAGRAMS_PER_KIND);
    }
    expect(count('bad-magic') + count('truncated') + count('malformed')).toBeGreaterThan(0);

    const dropLines = (): string[] => c.log('lolek').split('\n').filter((l) => l.includes('dropped a '));
    await c.waitFor('a log line for each kind of drop', () => dropLines().length >= 3, 3_000);
    expect(dropLines().length).toBeLessThanOrEqual(6); // one per reason per 10 s, not one per datagram
    expect(c.daemon('lolek').hasExited()).toBe(false);
    expect(c.agreeOn('lolek')).toBe(true);
    expect(c.violations()).toEqual([]);
  });
});
