// The HTTP listener of real daemons on loopback: /metrics read strictly against the text format,
// its values following the cluster; /status.json the very document hastmonctl status --json prints.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseExposition, valueOf, type Family } from '../testing/exposition-parser.js';
import { DROP_REASONS } from '../wire/drop-counters.js';
import { chromiumForTests, openBrowser } from '../testing/headless-browser.js';
import { clusterForTest } from './per-test.js';
import { freePort, HASTMONCTL_POLL_MS } from './processes.js';

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function metrics(port: number): Promise<Family[]> {
  const answer = await get(port, '/metrics');
  expect(answer.status).toBe(200);
  expect(answer.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(answer.body);
}

/** The status document without what changes from one moment to the next. */
function timeless(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc), (key: string, value: unknown) => (key === 'time' || key === 'heardAgoMs' ? '<time>' : value));
}

describe('the http listener', () => {
  it('serves /metrics and /status.json that follow the cluster', async (context) => {
    const ports = { lolek: await freePort(), bolek: await freePort() };
    const c = await clusterForTest(context, {
      transport: 'unicast',
      nodes: [
        { name: 'lolek', priority: 0, lines: [`http 127.0.0.1:${ports.lolek}`] },
        { name: 'bolek', priority: 1, lines: [`http 127.0.0.1:${ports.bolek}`] },
        { name: 'reksio', watchdog: true },
      ],
      label: 'http',
    });
    await c.startAll();
    await c.waitFor('lolek to run it, as all agree', () => c.agreeOn('lolek'), 15_000);
    await c.waitForLog('lolek', new RegExp(`http: serving the status page, /metrics, /status.json and /events.json read-only on 127.0.0.1:${ports.lolek}`));

    const first = await c.waitFor(
      'lolek to count three valid endorsements',
      async () => {
        const f = await metrics(ports.lolek);
        return valueOf(f, 'hastmon_resource_endorsements', { resource: 'daemon' }) === 3 ? f : undefined;
      },
      10_000,
      HASTMONCTL_POLL_MS,
    );
    for (const family of first) expect(family.name.startsWith('hastmon_')).toBe(true);
    for (const [port, self] of [[ports.lolek, 'lolek'], [ports.bolek, 'bolek']] as const) {
      const f = port === ports.lolek ? first : await metrics(port);
      expect(['lolek', 'bolek', 'reksio'].map((node) => valueOf(f, 'hastmon_resource_holder', { resource: 'daemon', node }))).toEqual([1, 0, 0]);
      expect(valueOf(f, 'hastmon_resource_quorate', { resource: 'daemon' })).toBe(1);
      expect(valueOf(f, 'hastmon_resource_quorum_size', { resource: 'daemon' })).toBe(2);
      expect(valueOf(f, 'hastmon_resource_state', { resource: 'daemon', state: self === 'lolek' ? 'RUNNING' : 'STANDBY' })).toBe(1);
      expect(valueOf(f, 'hastmon_resource_became_holder_total', { resource: 'daemon' })).toBe(self === 'lolek' ? 1 : 0);
      // The start-up probe found the resource not running here: "stopped", not a failure.
      const probes = (outcome: string): number | undefined => valueOf(f, 'hastmon_script_runs_total', { resource: 'daemon', action: 'probe', outcome });
      expect([probes('stopped'), probes('failed')]).toEqual([1, 0]);
      for (const reason of DROP_REASONS) expect(valueOf(f, 'hastmon_datagrams_dropped_total', { reason })).toBeTypeOf('number');
      for (const peer of ['lolek', 'bolek', 'reksio'].filter((n) => n !== self)) {
        const ago = valueOf(f, 'hastmon_peer_last_heard_seconds', { peer });
        expect(ago).toBeGreaterThanOrEqual(0);
        expect(ago).toBeLessThan(c.deadtimeMs / 1000);
      }
    }
    expect(valueOf(first, 'hastmon_script_runs_total', { resource: 'daemon', action: 'start', outcome: 'ok' })).toBe(1);
    expect(valueOf(first, 'hastmon_script_duration_seconds_count', { resource: 'daemon', action: 'start' })).toBe(1);
    const channel = { channel: '0', kind: 'unicast' };
    const received = valueOf(first, 'hastmon_heartbeats_received_total', channel) ?? 0;
    const sent = valueOf(first, 'hastmon_heartbeats_sent_total', channel) ?? 0;
    expect(received).toBeGreaterThan(0);
    await c.waitFor(
      'heartbeats sent and received to grow',
      async () => {
        const f = await metrics(ports.lolek);
        return (valueOf(f, 'hastmon_heartbeats_received_total', channel) ?? 0) > received && (valueOf(f, 'hastmon_heartbeats_sent_total', channel) ?? 0) > sent;
      },
      10_000,
      HASTMONCTL_POLL_MS,
    );

    // /status.json is what hastmonctl status --json prints, but for the moment it was taken.
    const viaHttp = await get(ports.lolek, '/status.json');
    expect(viaHttp.type).toBe('application/json; charset=utf-8');
    const viaCtl = await c.hastmonctl('lolek', 'status', '--json');
    expect(viaCtl.code).toBe(0);
    expect(timeless(JSON.parse(viaHttp.body))).toEqual(timeless(JSON.parse(viaCtl.stdout)));

    // A reload may not move the listener: refused, and the old one keeps serving.
    const text = readFileSync(c.configPath, 'utf8');
    writeFileSync(c.configPath, text.replace(`http 127.0.0.1:${ports.lolek}`, `http 127.0.0.1:${await freePort()}`));
    const reload = await c.hastmonctl('lolek', 'reload');
    expect(reload.code).toBe(78);
    expect(reload.stderr).toContain('http changed: restart hastmon to apply that');
    writeFileSync(c.configPath, text);
    expect((await get(ports.lolek, '/metrics')).status).toBe(200);

    // A failover: bolek becomes the holder, and lolek's series go with the daemon.
    c.crash('lolek');
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek', ['bolek', 'reksio']), 15_000);
    const after = await c.waitFor(
      'bolek to show itself the holder',
      async () => {
        const f = await metrics(ports.bolek);
        return valueOf(f, 'hastmon_resource_holder', { resource: 'daemon', node: 'bolek' }) === 1 ? f : undefined;
      },
      10_000,
      HASTMONCTL_POLL_MS,
    );
    expect(valueOf(after, 'hastmon_resource_holder', { resource: 'daemon', node: 'lolek' })).toBe(0);
    expect(valueOf(after, 'hastmon_resource_became_holder_total', { resource: 'daemon' })).toBe(1);
    expect(valueOf(after, 'hastmon_peer_last_heard_seconds', { peer: 'lolek' })).toBeGreaterThanOrEqual(c.deadtimeMs / 1000);
    expect(c.violations()).toEqual([]);
  });

  it('refuses to start, in one line and with exit 71, when its address is taken', async (context) => {
    const port = await freePort();
    const c = await clusterForTest(context, {
      transport: 'unicast',
      // lolek's heartbeats every 10 ms reach bolek while it is still starting: what they set going
      // in bolek (a wake-up timer, a probe) must not keep it alive once its start failed.
      timing: { heartbeatInterval: 10, deadtime: 50, lease: 50 },
      nodes: [
        { name: 'lolek', lines: [`http 127.0.0.1:${port}`] },
        { name: 'bolek', lines: [`http 127.0.0.1:${port}`] },
      ],
      label: 'http-taken',
    });
    c.start('lolek');
    await c.waitUntilUp('lolek');
    c.start('bolek');
    expect(await c.waitForExit('bolek')).toBe(71);
    expect(c.log('bolek')).toContain(`hastmon: http: cannot listen on 127.0.0.1:${port}: address in use\n`);
    expect(c.log('bolek')).not.toMatch(/\n\s+at /);
  });

  it.skipIf(chromiumForTests() === undefined)('shows the holder in a browser, then the new holder and the change on its timeline', async (context) => {
    const port = await freePort();
    const c = await clusterForTest(context, {
      transport: 'unicast',
      nodes: [
        { name: 'lolek', priority: 0 },
        { name: 'bolek', priority: 1 },
        { name: 'reksio', watchdog: true, lines: [`http 127.0.0.1:${port}`] },
      ],
      label: 'http-page',
    });
    await c.startAll();
    await c.waitFor('lolek to run it, as all agree', () => c.agreeOn('lolek'), 15_000);
    const browser = await openBrowser();
    try {
      const page = await browser.openPage();
      await page.navigate(`http://127.0.0.1:${port}/`);
      await page.waitForText('held by lolek', { timeoutMs: 15_000 });
      c.crash('lolek');
      await c.waitFor('bolek to run it', () => c.agreeOn('bolek', ['bolek', 'reksio']), 15_000);
      // The watchdog's page follows without a reload; its timeline gives each change of holder and
      // why, as the event record has them: lolek lost (silent), then bolek starting.
      await page.waitForText('held by bolek', { timeoutMs: 15_000 });
      const events = JSON.parse((await get(port, '/events.json')).body) as { events: Array<{ subject: string; from: string; to: string; reason: string }> };
      const holderChanges = events.events.filter((e) => e.subject === 'holder');
      const lost = holderChanges.find((e) => e.from === 'lolek');
      const won = holderChanges.find((e) => e.to === 'bolek');
      expect(lost?.reason).toMatch(/lolek not heard/);
      expect(won).toBeDefined();
      const timeline = `[...document.querySelectorAll('main section ol li')].map((li) => li.textContent)`;
      await page.waitFor(`${timeline}.some((t) => t.includes(${JSON.stringify(`→ bolek: ${won?.reason ?? ''}`)}))`, {
        timeoutMs: 10_000,
        description: 'the timeline to show bolek becoming the holder',
      });
      const shown = await page.evaluate<string[]>(timeline);
      expect(shown.some((t) => t.includes(`holder lolek → nobody: ${lost?.reason ?? ''}`))).toBe(true);
    } finally {
      await browser.close();
    }
    expect(c.violations()).toEqual([]);
  });
});
