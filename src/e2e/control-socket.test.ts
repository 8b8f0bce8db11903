// The control socket under a flood: a thousand clients that connect and send nothing, or half a
// request, kept up the whole time, must not lock the operator out, nor fill the log.
import { createConnection, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EX_OK } from '../cli/exit-codes.js';
import { clusterForTest } from './per-test.js';

const FLOOD = 1_000;

/**
 * Keeps `count` connections open to `path`, half of them idle and half with half a request,
 * opening a new one whenever the daemon drops one. `stop` ends it all.
 */
function flood(path: string, count: number): { connected(): number; dropped(): number; stop(): void } {
  const open = new Set<Socket>();
  let connected = 0;
  let dropped = 0;
  let stopped = false;
  const connect = (halfSent: boolean): void => {
    if (stopped) return;
    const socket = createConnection(path);
    open.add(socket);
    socket.on('connect', () => {
      connected += 1;
      if (halfSent) socket.write('{"command":"sta');
    });
    // A full accept queue refuses a connection too: try again, as a flood does.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open.delete(socket);
      dropped += 1;
      setImmediate(() => connect(halfSent));
    });
  };
  for (let i = 0; i < count; i += 1) connect(i % 2 === 1);
  return {
    connected: () => connected,
    dropped: () => dropped,
    stop: () => {
      stopped = true;
      for (const socket of open) socket.destroy();
    },
  };
}

describe('the control socket under a flood of idle clients', () => {
  it('still answers hastmonctl status, and logs the flood in a few lines', async (context) => {
    const c = await clusterForTest(context, {
      transport: 'unicast',
      nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }],
      label: 'control-socket',
    });
    c.start('lolek');
    await c.waitUntilUp('lolek');
    const attack = flood(c.path('lolek.sock'), FLOOD);
    try {
      await c.waitFor('the flood to be connected and dropped', () => attack.connected() >= FLOOD && attack.dropped() >= FLOOD, 30_000);
      for (let i = 0; i < 3; i += 1) {
        const status = await c.hastmonctl('lolek', 'status');
        expect(status.stderr).toBe('');
        expect(status.code).toBe(EX_OK);
        expect(status.stdout.split('\n')[0]).toBe('daemon:');
      }
    } finally {
      attack.stop();
    }
    await c.waitForLog('lolek', /clients at once; the oldest idle one was dropped/);
    const lines = c.log('lolek').split('\n');
    // One line per kind per 10 s: the test runs well within a minute, so a handful at most.
    expect(lines.filter((line) => line.includes('control socket:')).length).toBeLessThanOrEqual(12);
  });
});
