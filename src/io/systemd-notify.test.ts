// The notifier against a stand-in systemd-notify: a shell script that appends its arguments to a
// file (and sleeps when told), so that what would be sent, and how often, can be read back.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLevel } from '../core/types.js';
import { SystemdNotifier, notifySettings, withoutNotifyEnvironment, type NotifierOptions } from './systemd-notify.js';

let dir: string;
let notifiers: SystemdNotifier[];
let logged: Array<{ level: LogLevel; message: string }>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hastmon-notify-'));
  notifiers = [];
  logged = [];
});

afterEach(() => {
  for (const n of notifiers) n.stopWatchdog();
  rmSync(dir, { recursive: true, force: true });
});

/** A stand-in that records `NOTIFY_SOCKET args...` per line, sleeping `sleep` seconds first. */
function fakeNotify(sleep = 0): string {
  const path = join(dir, `fake-notify-${sleep}`);
  writeFileSync(path, `#!/bin/sh\nsleep ${sleep}\necho "$NOTIFY_SOCKET $*" >> ${join(dir, 'sent')}\n`);
  chmodSync(path, 0o755);
  return path;
}

function sent(): string[] {
  const file = join(dir, 'sent');
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : [];
}

function notifier(options: Partial<NotifierOptions> = {}): SystemdNotifier {
  const n = new SystemdNotifier({
    settings: { socket: '/run/systemd/notify', watchdogPingMs: null },
    pid: 4242,
    privileged: true,
    log: (level, message) => logged.push({ level, message }),
    limited: (_key, _interval, level, message) => logged.push({ level, message }),
    command: fakeNotify(),
    ...options,
  });
  notifiers.push(n);
  return n;
}

async function until(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms; sent: ${sent().join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('what systemd asked for', () => {
  it('is nothing without NOTIFY_SOCKET', () => {
    expect(notifySettings({ WATCHDOG_USEC: '200000' }, 10)).toBeNull();
  });

  it('pings the watchdog at half WATCHDOG_USEC, only when WATCHDOG_PID is unset or names this process', () => {
    expect(notifySettings({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '200000' }, 10)).toEqual({ socket: '/s', watchdogPingMs: 100 });
    expect(notifySettings({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '200000', WATCHDOG_PID: '10' }, 10)?.watchdogPingMs).toBe(100);
    expect(notifySettings({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '200000', WATCHDOG_PID: '11' }, 10)?.watchdogPingMs).toBeNull();
    expect(notifySettings({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: 'soon' }, 10)?.watchdogPingMs).toBeNull();
    expect(notifySettings({ NOTIFY_SOCKET: '/s' }, 10)?.watchdogPingMs).toBeNull();
  });

  it('never reaches a script', () => {
    expect(withoutNotifyEnvironment({ PATH: '/bin', NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '1', WATCHDOG_PID: '2', HOME: '/root' })).toEqual({ PATH: '/bin', HOME: '/root' });
  });
});

describe('the notifier', () => {
  it('runs systemd-notify --no-block with the daemon pid, READY=1 with the status, and STOPPING=1', async () => {
    const n = notifier();
    n.ready('holding daemon');
    await until('READY', () => sent().length === 1);
    n.stopping();
    await until('STOPPING', () => sent().length === 2);
    expect(sent()).toEqual([
      '/run/systemd/notify --no-block --pid=4242 READY=1 STATUS=holding daemon',
      '/run/systemd/notify --no-block --pid=4242 STOPPING=1 STATUS=shutting down: stopping the resources held here',
    ]);
  });

  it('sends a status that came while one was in flight afterwards, the newest only', async () => {
    const n = notifier({ command: fakeNotify(0.3) });
    n.status('one');
    n.status('two');
    n.status('three');
    await until('two statuses', () => sent().length === 2);
    await new Promise((r) => setTimeout(r, 600));
    expect(sent().map((l) => l.split(' ').slice(3).join(' '))).toEqual(['STATUS=one', 'STATUS=three']);
  });

  it('pings the watchdog from a timer, never two at once, and stops when asked', async () => {
    const n = notifier({ settings: { socket: '/s', watchdogPingMs: 50 }, command: fakeNotify(0.2) });
    const started = Date.now();
    n.startWatchdog();
    await until('three pings', () => sent().length >= 3);
    n.stopWatchdog();
    // At most one in flight: each ping takes 200 ms, so three cannot come sooner than 600 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(new Set(sent())).toEqual(new Set(['/s --no-block --pid=4242 WATCHDOG=1']));
    const count = sent().length;
    await new Promise((r) => setTimeout(r, 500));
    expect(sent().length).toBeLessThanOrEqual(count + 1); // the one in flight when stopped
  });

  it('kills a run that hangs, and logs the failure', async () => {
    const hang = join(dir, 'hang');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n'); // exec: the kill reaches the sleep itself
    chmodSync(hang, 0o755);
    const n = notifier({ command: hang, timeoutMs: 200 });
    n.ready('x');
    await until('the failure logged', () => logged.some((l) => l.message.includes('killed by SIGKILL after 200 ms')));
    expect(sent()).toEqual([]);
  });

  it('says once that systemd-notify is missing, and stops trying', async () => {
    const n = notifier({ command: join(dir, 'no-such-program'), settings: { socket: '/s', watchdogPingMs: 50 } });
    n.startWatchdog();
    n.ready('x');
    await until('the error logged', () => logged.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    n.status('y');
    await new Promise((r) => setTimeout(r, 100));
    expect(logged.filter((l) => l.message.includes('was not found'))).toHaveLength(1);
  });

  it('warns once when not root: systemd would drop the messages under NotifyAccess=main', () => {
    notifier({ privileged: false });
    expect(logged).toEqual([{ level: 'warning', message: expect.stringContaining('NotifyAccess=all') as unknown as string }]);
  });
});
