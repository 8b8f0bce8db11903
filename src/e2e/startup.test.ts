// Starting hastmon: configuration checks, refusals before anything runs, one daemon per pid file,
// and going into the background.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { describe, expect, it, type TestContext } from 'vitest';
import { EX_CONFIG } from '../cli/exit-codes.js';
import { clusterForTest } from './per-test.js';
import type { Cluster, ClusterOptions } from './cluster.js';
import { isGone, runHastmon } from './processes.js';

const NODES: ClusterOptions['nodes'] = [
  { name: 'lolek', priority: 0 },
  { name: 'bolek', priority: 1 },
  { name: 'reksio', watchdog: true },
];

/** A cluster's configuration and scripts, for the test of `context`; nothing started yet. */
function newCluster(context: TestContext, transport: ClusterOptions['transport'] = 'unicast'): Promise<Cluster> {
  return clusterForTest(context, { transport, nodes: NODES, label: 'startup' });
}

/** `hastmon -F` for `node` of `c`, run once; its environment carries the cluster's token so cleanup finds it. */
function runNode(c: Cluster, node: string, flags: string[] = ['-F']): ReturnType<typeof runHastmon> {
  return runHastmon([...flags, '-c', c.configPath, '-N', node, '-P', c.path(`${node}.pid`)], {
    dir: c.dir,
    env: { HASTMON_E2E_TOKEN: c.token },
  });
}

describe.concurrent('hastmon start-up', () => {
  it.for(['unicast', 'multicast'] as const)('-t prints "configuration OK" for every node of the %s test configuration', async (transport, context) => {
    const c = await newCluster(context, transport);
    for (const node of c.names) {
      expect(await runHastmon(['-t', '-c', c.configPath, '-N', node], { dir: c.dir })).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
    }
  });

  it('refuses to start with a missing exec script: exit 78 naming the file', async (context) => {
    const c = await newCluster(context);
    renameSync(c.scriptPath, `${c.scriptPath}.away`);
    const run = await runNode(c, 'lolek');
    expect(run.code).toBe(EX_CONFIG);
    expect(run.stderr).toContain(c.scriptPath);
    expect(run.stderr).toMatch(/does not exist/);
    expect(existsSync(c.path('lolek.pid'))).toBe(false);
  });

  it("refuses to start when etcd's TLS files cannot be read: one line, exit 78", async (context) => {
    const missing = '/nonexistent-hastmon-test/ca.pem';
    const c = await clusterForTest(context, {
      transport: 'unicast',
      nodes: NODES,
      label: 'startup',
      timing: { heartbeatInterval: 200, deadtime: 1_000, lease: 2_000 },
      globalLines: ['etcd {', '  endpoints https://127.0.0.1:1', `  ca ${missing}`, '}'],
    });
    const run = await runNode(c, 'lolek');
    expect(run.code).toBe(EX_CONFIG);
    expect(run.stderr).toMatch(new RegExp(`^hastmon: cannot read the etcd ca file ${missing}: ENOENT[^\n]*\n$`));
    expect(existsSync(c.path('lolek.pid'))).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('as root, refuses a group-writable exec script: exit 78 naming the file', async (context) => {
    const c = await newCluster(context);
    chmodSync(c.scriptPath, 0o775);
    const run = await runNode(c, 'lolek');
    expect(run.code).toBe(EX_CONFIG);
    expect(run.stderr).toContain(`${c.scriptPath}: is writable by group or others`);
  });

  it('a USR1 that arrives while the daemon is still starting up is kept for it, not taken by the inspector', async (context) => {
    const c = await newCluster(context);
    const daemon = c.start('bolek');
    // The pid file is taken before the sockets are bound and the core runs: signal right then.
    await c.waitFor('the pid file', () => existsSync(c.path('bolek.pid')), 10_000, 1);
    process.kill(daemon.pid, 'SIGUSR1');
    await c.waitForLog('bolek', /received SIGUSR1/, 10_000);
    await c.waitForLog('bolek', /FORCED START/, 10_000);
    expect(c.log('bolek')).not.toMatch(/Debugger listening/);
    expect(daemon.hasExited()).toBe(false);
  });

  it('a restarted node whose wall clock went back still gets a newer incarnation than its last one', async (context) => {
    const c = await newCluster(context);
    const future = Date.now() + 3_600_000;
    writeFileSync(c.path('lolek.state'), `hastmon on lolek, pid 1, incarnation ${future}\n`);
    c.start('lolek');
    await c.waitUntilUp('lolek');
    const header = readFileSync(c.path('lolek.state'), 'utf8').split('\n')[0] ?? '';
    expect(Number(/incarnation (\d+)/.exec(header)?.[1])).toBe(future + 1);
  });

  it('refuses a second daemon with the same pid file, with a clear message; the first keeps running', async (context) => {
    const c = await newCluster(context);
    const first = c.start('lolek');
    await c.waitUntilUp('lolek');
    const second = await runNode(c, 'lolek');
    expect(second.code).not.toBe(0);
    expect(second.stderr).toBe(`hastmon: hastmon already running as pid ${first.pid} (pid file ${c.path('lolek.pid')})\n`);
    expect(first.hasExited()).toBe(false);
    expect(readFileSync(c.path('lolek.pid'), 'utf8').trim()).toBe(String(first.pid));
  });

  it('in the background (no -F), returns 0 once the daemon is up, and the pid file names it', async (context) => {
    const c = await newCluster(context);
    const run = await runNode(c, 'lolek', []);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    const pid = Number(readFileSync(c.path('lolek.pid'), 'utf8').trim());
    expect(Number.isInteger(pid) && pid > 1).toBe(true);
    expect(isGone(pid)).toBe(false);
    await c.waitFor('the background daemon to write its state file', () => c.state('lolek')?.pid === pid);

    process.kill(pid, 'SIGTERM');
    await c.waitFor(`pid ${pid} to exit after TERM`, () => isGone(pid), 10_000);
    await c.waitFor('its pid file to be removed', () => !existsSync(c.path('lolek.pid')), 5_000);
  });
});
