// A cluster with a key, flooded on loopback with garbage, forged and unauthenticated datagrams:
// the daemon drops and counts them, logs each kind at a bounded rate, and goes on as before.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeHeartbeat } from '../wire/encode.js';
import { Cluster } from './cluster.js';
import { clusterPerTest } from './per-test.js';
import { ROOT, daemonEnvironment, sleep } from './processes.js';

const clusters = clusterPerTest();
const DATAGRAMS_PER_KIND = 500;

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
  it('are dropped, counted and logged at a bounded rate; the cluster carries on', async () => {
    const c = clusters.track(
      await Cluster.create({
        transport: 'unicast',
        nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }, { name: 'reksio', watchdog: true }],
        globalLines: ['key {', '  algorithm sha256', '  secret "correct horse battery staple"', '}'],
        label: 'hostile',
      }),
    );
    await c.startAll();
    await c.waitFor('lolek to run it', () => c.agreeOn('lolek'), 15_000);
    const port = Number(readFileSync(c.configPath, 'utf8').match(/on lolek \{\n {2}listen 127\.0\.0\.1:(\d+)/)?.[1]);

    const forged = (seq: number, key: Buffer | null): Buffer =>
      encodeHeartbeat(
        {
          node: 'bolek',
          incarnation: Date.now() + 1e9, // a newer incarnation than the real bolek's: worth forging
          seq,
          sentAt: 1,
          leaving: false,
          resources: [{ name: 'daemon', state: 'RUNNING', role: 'primary', priority: 0, eligible: false, yielding: false, forced: true, dirty: false, vote: 'bolek', voteEcho: 1 }],
          echoes: [],
        },
        key,
      );
    const kinds = {
      garbage: Array.from({ length: DATAGRAMS_PER_KIND }, (_, i) => Buffer.from(`garbage ${i} `.repeat(i % 50))),
      badMac: Array.from({ length: DATAGRAMS_PER_KIND }, (_, i) => forged(i + 1, Buffer.from('a guessed secret'))),
      noMac: Array.from({ length: DATAGRAMS_PER_KIND }, (_, i) => forged(i + 1, null)),
    };
    // Paced, so that the kernel's receive buffer does not overflow and the counts below are the ones sent.
    for (const batch of Object.values(kinds)) {
      const datagrams = batch.filter((d) => d.length > 0);
      for (let i = 0; i < datagrams.length; i += 25) {
        await send(port, datagrams.slice(i, i + 25));
        await sleep(5);
      }
    }
    await sleep(1500);

    expect(c.daemon('lolek').hasExited()).toBe(false);
    expect(c.agreeOn('lolek')).toBe(true);
    const dropLines = c.log('lolek').split('\n').filter((l) => l.includes('dropped a '));
    expect(dropLines.length).toBeGreaterThanOrEqual(3);
    expect(dropLines.length).toBeLessThanOrEqual(6); // one per reason per 10 s, not one per datagram

    const status = await new Promise<string>((resolve) => {
      execFile(process.execPath, [join(ROOT, 'bin', 'hastmonctl'), '-s', c.path('lolek.sock'), 'status'], { env: daemonEnvironment({}) }, (_e, stdout) => resolve(stdout));
    });
    const line = status.split('\n').find((l) => l.startsWith('dropped heartbeats:')) ?? '';
    // Loopback UDP may still lose a datagram under load: every one that arrived is counted, none more.
    const count = (reason: string): number => Number(line.match(new RegExp(`(\\d+) ${reason}\\b`))?.[1] ?? 0);
    for (const reason of ['bad-mac', 'missing-mac']) {
      expect(count(reason)).toBeGreaterThan(DATAGRAMS_PER_KIND * 0.9);
      expect(count(reason)).toBeLessThanOrEqual(DATAGRAMS_PER_KIND);
    }
    expect(count('bad-magic') + count('truncated') + count('malformed')).toBeGreaterThan(0);
    expect(c.violations()).toEqual([]);
  });
});
