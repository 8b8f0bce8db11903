// hastmonctl against real daemons: status in HASTMON's format and as JSON, the README's role
// commands, offline, reload (refused when bad, unchanged resources untouched), and a standby
// stopped past the deadtime that reads what queued up before judging anyone silent.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterPerTest } from './per-test.js';
import { Cluster } from './cluster.js';
import { ROOT, daemonEnvironment, sleep } from './processes.js';

const HASTMONCTL = join(ROOT, 'bin', 'hastmonctl');

async function startCluster(): Promise<Cluster> {
  const cluster = clusters.track(await Cluster.create({
    transport: 'unicast',
    nodes: [{ name: 'lolek', priority: 0 }, { name: 'bolek', priority: 1 }, { name: 'reksio', watchdog: true }],
    label: 'control',
  }));
  await cluster.startAll();
  await cluster.waitFor('lolek to run it, all agreeing', () => cluster.agreeOn('lolek'), 15_000);
  return cluster;
}

const clusters = clusterPerTest();

interface CtlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hastmonctl(c: Cluster, node: string, ...args: string[]): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [HASTMONCTL, '-s', c.path(`${node}.sock`), ...args],
      { timeout: 20_000, env: daemonEnvironment({}) },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The value after `key:` in one resource block of hastmonctl's text output. */
function field(text: string, key: string): string | undefined {
  return text.split('\n').find((l) => l.trimStart().startsWith(`${key}:`))?.split(': ').slice(1).join(': ');
}

describe('hastmonctl against a running cluster', () => {
  it('status shows each node its picture, in HASTMON format and as JSON', async () => {
    const c = await startCluster();
    const port = (node: string): string => readFileSync(c.configPath, 'utf8').match(new RegExp(`on ${node} \\{\\n  listen (127\\.0\\.0\\.1:\\d+)`))?.[1] ?? '?';
    // Peer views reach a node with its next heartbeat: give the picture a moment to settle everywhere.
    await c.waitFor('every node to see the others', () => c.names.every((n) => c.resource(n)?.rows.every((r) => r.state !== 'UNKNOWN' && r.state !== 'INITIAL')));

    const lolek = await hastmonctl(c, 'lolek', 'status');
    expect(lolek.code).toBe(0);
    expect(lolek.stdout.split('\n')[0]).toBe('daemon:');
    expect(field(lolek.stdout, 'role')).toBe('primary');
    expect(field(lolek.stdout, 'state')).toBe('run');
    expect(field(lolek.stdout, 'exec')).toBe(c.scriptPath);
    expect(field(lolek.stdout, 'remoteaddr')).toBe(`${port('bolek')}(connected) ${port('reksio')}(connected)`);
    expect(field(lolek.stdout, 'attempts')).toBe('0 from 5');
    expect(field(lolek.stdout, 'complaints')).toMatch(/^\d+ for last 60 sec \(threshold 3\)$/);
    expect(field(lolek.stdout, 'heartbeat')).toBe('0.2 sec');

    const bolek = await hastmonctl(c, 'bolek', 'status', 'daemon');
    expect([field(bolek.stdout, 'role'), field(bolek.stdout, 'state')]).toEqual(['secondary', 'stopped']);

    const reksio = await hastmonctl(c, 'reksio', 'status');
    expect(field(reksio.stdout, 'role')).toBe('watchdog');
    expect(field(reksio.stdout, 'remoteaddr')).toBe(`${port('lolek')}(primary/run) ${port('bolek')}(secondary/stopped)`);

    const json = await hastmonctl(c, 'bolek', 'status', '--json');
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { node: string; resources: Array<{ holder: string; peers: Array<{ node: string; state: string }> }> };
    expect(doc.node).toBe('bolek');
    expect(doc.resources[0]?.holder).toBe('lolek');
    expect(doc.resources[0]?.peers.map((p) => `${p.node} ${p.state}`).sort()).toEqual(['lolek RUNNING', 'reksio WATCHING']);

    const unknown = await hastmonctl(c, 'lolek', 'status', 'nosuch');
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain('no such resource: nosuch');
  });

  it("role primary moves the resource with no overlap; the README's role commands end in its picture", async () => {
    const c = await startCluster();
    const asked = Date.now();
    expect((await hastmonctl(c, 'bolek', 'role', 'primary', 'all')).code).toBe(0);
    await c.waitFor('bolek to run it', () => c.agreeOn('bolek'), 10_000);
    const stop = c.recordAfter('lolek', 'stop-begin', asked);
    const start = c.recordAfter('bolek', 'start-begin', asked);
    expect(stop !== undefined && start !== undefined && stop.atMs < start.atMs).toBe(true);

    // lolek# hastmonctl role primary all; bolek# … secondary all; reksio# … watchdog all
    expect((await hastmonctl(c, 'bolek', 'role', 'secondary', 'all')).code).toBe(0);
    expect((await hastmonctl(c, 'lolek', 'role', 'primary', 'all')).code).toBe(0);
    expect((await hastmonctl(c, 'reksio', 'role', 'watchdog', 'all')).code).toBe(0);
    await c.waitFor('lolek to run it again', () => c.agreeOn('lolek'), 10_000);
    const picture = await Promise.all(
      ['lolek', 'bolek', 'reksio'].map(async (n) => {
        const out = (await hastmonctl(c, n, 'status')).stdout;
        return `${n} ${field(out, 'role')}/${field(out, 'state')}`;
      }),
    );
    expect(picture).toEqual(['lolek primary/run', 'bolek secondary/stopped', 'reksio watchdog/run']);
    expect(c.violations()).toEqual([]);
  });

  it('offline releases the resource and refuses it for that long', async () => {
    const c = await startCluster();
    expect((await hastmonctl(c, 'lolek', 'offline', '4')).code).toBe(0);
    await c.waitFor('bolek to take it', () => c.agreeOn('bolek'), 10_000);
    expect(c.resource('lolek')?.reason).toMatch(/offline for \d+ s/);
    expect(c.violations()).toEqual([]);
  });

  it('reload refuses a bad configuration and keeps the running one; a good one leaves the resource alone', async () => {
    const c = await startCluster();
    const good = readFileSync(c.configPath, 'utf8');
    writeFileSync(c.configPath, `${good}lease 10ms\nbogus_keyword 1\n`);
    const refused = await hastmonctl(c, 'lolek', 'reload');
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(new RegExp(`${c.configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    expect(refused.stderr).toContain('reload refused');
    expect(c.agreeOn('lolek')).toBe(true);

    const recordsBefore = c.records().length;
    writeFileSync(c.configPath, good.replace('resource daemon {', 'resource daemon {\n  attempts 4'));
    const reloaded = await Promise.all(c.names.map((n) => hastmonctl(c, n, 'reload')));
    expect(reloaded.map((r) => r.code)).toEqual([0, 0, 0]);
    await sleep(1500);
    expect(c.records().slice(recordsBefore)).toEqual([]); // no stop, no start: the resource was left alone
    expect(field((await hastmonctl(c, 'lolek', 'status')).stdout, 'attempts')).toBe('0 from 4');

    writeFileSync(c.configPath, good.replace('heartbeat_interval 200ms', 'heartbeat_interval 100ms'));
    const timing = await hastmonctl(c, 'lolek', 'reload');
    expect(timing.code).toBe(78);
    expect(timing.stderr).toMatch(/heartbeatInterval changed/);
  });

  it('reload that removes a running resource stops it with its own script first', async () => {
    const c = await startCluster();
    const extra = c.path('extra.sh');
    writeFileSync(
      extra,
      `#!/bin/sh\ncase "$1" in\nstart) echo "$HASTMON_NODE start" >> ${c.path('extra.record')}; touch ${c.path('extra.$HASTMON_NODE')};;\n` +
        `stop) echo "$HASTMON_NODE stop" >> ${c.path('extra.record')}; rm -f ${c.path('extra.$HASTMON_NODE')};;\n` +
        `status) [ -e ${c.path('extra.$HASTMON_NODE')} ];;\n*) exit 0;;\nesac\n`,
      { mode: 0o755 },
    );
    const original = readFileSync(c.configPath, 'utf8');
    const sections = original.slice(original.indexOf('resource daemon {')).replace('resource daemon {', 'resource extra {').replace(/exec \S+/, `exec ${extra}`);
    writeFileSync(c.configPath, `${original}${sections}`);
    for (const n of c.names) expect((await hastmonctl(c, n, 'reload')).code).toBe(0);
    await c.waitFor('extra to run on lolek', () => readFileSync(c.path('extra.record'), 'utf8').includes('lolek start'), 10_000);

    writeFileSync(c.configPath, original);
    expect((await hastmonctl(c, 'lolek', 'reload')).code).toBe(0);
    // The start-up probe ran stop once before the start; the one that counts comes after it.
    const afterStart = (): string[] => {
      const lines = readFileSync(c.path('extra.record'), 'utf8').split('\n');
      return lines.slice(lines.indexOf('lolek start') + 1);
    };
    await c.waitFor('extra to be stopped on lolek by its own script', () => afterStart().includes('lolek stop'), 10_000);
    expect(existsSync(c.path('extra.lolek'))).toBe(false);
    let status = '';
    for (let i = 0; i < 50; i++) {
      status = (await hastmonctl(c, 'lolek', 'status')).stdout;
      if (!status.includes('extra:')) break;
      await sleep(100);
    }
    expect(status).not.toContain('extra:');
    expect(status).toContain('daemon:');
    expect(c.agreeOn('lolek')).toBe(true);
  });

  it('a standby stopped past the deadtime reads the queued heartbeats before judging anyone silent', async () => {
    const c = await startCluster();
    await sleep(500);
    c.freeze('bolek');
    await sleep(2 * c.deadtimeMs + 500);
    const woke = c.thaw('bolek');
    await c.waitForLog('bolek', /event loop ran \d+ ms late/);
    await sleep(1000);
    const after = c.log('bolek').split('\n').filter((l) => Date.parse(l.slice(0, 24)) >= woke - 50);
    expect(after.filter((l) => /disconnected/.test(l))).toEqual([]);
    expect(c.agreeOn('lolek')).toBe(true);
  });
});
