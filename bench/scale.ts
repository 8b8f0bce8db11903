// Scaling check: N nodes × R resources on loopback at the default timing, every node a service
// node of every resource (resource i preferred on node i mod N, so the holders are spread), unicast
// to every other node. Once every resource has a holder all nodes agree on, the run is watched for
// M minutes; then per node the CPU (all threads, /proc schedstat) and RSS are reported, with every
// sign of instability seen in the daemons' logs during the run: a peer disconnected, a self-fence,
// a resource starting or stopping anywhere (a holder change). The machine's load average is
// printed beside them: the daemons share its cores with whatever else runs.
//
// Usage: npm run build && tsx bench/scale.ts [--nodes 16] [--resources 32] [--minutes 5]
//        [--before DIR] (another build's tree, its bin/hastmon) [--disk]   (Linux only)
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonEnvironment, freePort, HASTMON_BIN, isGone, signalQuietly, sleep } from '../src/e2e/processes.js';
import { parseStateFile } from '../src/e2e/state-view.js';
import { argument, loadAverage, rssMb, sampleCpu, tmpfsParent, type CpuSample } from './proc-sample.js';

const SETTLE_TIMEOUT_MS = 120_000;
const POLL_MS = 500;
/** Left after every resource has a holder, before the window opens: start-up work is not the steady state. */
const WARM_UP_MS = 5_000;
const EXIT_TIMEOUT_MS = 20_000;

/** Log lines that mean the cluster was not stable, with what to call them. */
const INSTABILITY: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  { what: 'disconnect', pattern: / disconnected \(not heard for / },
  { what: 'self-fence', pattern: /\(self-fencing\)/ },
  { what: 'holder change', pattern: / -> (STARTING|STOPPING) / },
  { what: 'late timer', pattern: /event loop ran \d+ ms late/ },
];

/** Records its starts and stops in a file per node and resource; `status` reads it back. */
const SERVICE_SCRIPT = `#!/bin/sh
f="$(dirname "$0")/run.$HASTMON_NODE.$2"
case "$1" in
start) : > "$f" ;;
stop) rm -f "$f" ;;
status) [ -e "$f" ] || exit 1 ;;
esac
exit 0
`;

interface Node {
  name: string;
  port: number;
  child?: ChildProcess;
  pid: number;
}

function options(argv: string[]) {
  const count = (flag: string, fallback: number, max: number): number => {
    const value = Number(argument(argv, flag) ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${flag} expects 1 to ${max}`);
    return value;
  };
  const minutes = Number(argument(argv, '--minutes') ?? 5);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 120) throw new Error('--minutes expects more than 0, up to 120');
  const before = argument(argv, '--before');
  return {
    nodes: count('--nodes', 16, 64),
    resources: count('--resources', 32, 64),
    minutes,
    launcher: before === undefined ? HASTMON_BIN : join(before, 'bin', 'hastmon'),
    parent: argv.includes('--disk') ? tmpdir() : (tmpfsParent() ?? tmpdir()),
  };
}

function configText(dir: string, nodes: Node[], resources: number): string {
  const lines = ['# hastmon scaling check: default timing'];
  for (const node of nodes) {
    const remotes = nodes.filter((n) => n !== node).map((n) => `127.0.0.1:${n.port}`);
    lines.push(
      `on ${node.name} {`,
      `  listen 127.0.0.1:${node.port}`,
      `  control ${join(dir, `${node.name}.sock`)}`,
      `  state_file ${join(dir, `${node.name}.state`)}`,
      `  remote ${remotes.join(' ')}`,
      '}',
    );
  }
  for (let r = 0; r < resources; r++) {
    lines.push(`resource r${String(r).padStart(2, '0')} {`, `  exec ${join(dir, 'service.sh')}`);
    nodes.forEach((node, i) => lines.push(`  on ${node.name} {`, `    priority ${(i - r + nodes.length * resources) % nodes.length}`, '  }'));
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

/** Every resource has a holder that every node names, and that holder says RUNNING. */
function settled(dir: string, nodes: Node[], resources: number): boolean {
  const views = nodes.map((n) => {
    try {
      return parseStateFile(readFileSync(join(dir, `${n.name}.state`), 'utf8'));
    } catch {
      return undefined;
    }
  });
  if (views.some((v, i) => v === undefined || v.pid !== nodes[i]?.pid)) return false;
  for (let r = 0; r < resources; r++) {
    const holders = new Set(views.map((v) => v?.resources[r]?.holder ?? ''));
    const [holder] = holders;
    if (holders.size !== 1 || holder === undefined || holder === '') return false;
    const own = views[nodes.findIndex((n) => n.name === holder)]?.resources[r]?.rows.find((row) => row.self);
    if (own?.state !== 'RUNNING') return false;
  }
  return true;
}

function countInstability(dir: string, nodes: Node[], fromBytes: number[]): Map<string, string[]> {
  const found = new Map<string, string[]>(INSTABILITY.map((i) => [i.what, []]));
  nodes.forEach((node, index) => {
    const text = readFileSync(join(dir, `${node.name}.log`)).subarray(fromBytes[index] ?? 0).toString('utf8');
    for (const line of text.split('\n')) {
      for (const { what, pattern } of INSTABILITY) if (pattern.test(line)) found.get(what)?.push(`${node.name}: ${line}`);
    }
  });
  return found;
}

function logSize(dir: string, node: Node): number {
  return readFileSync(join(dir, `${node.name}.log`)).length;
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  const dir = mkdtempSync(join(o.parent, 'hastmon-scale-'));
  const nodes: Node[] = [];
  for (let i = 0; i < o.nodes; i++) nodes.push({ name: `n${String(i).padStart(2, '0')}`, port: await freePort(), pid: 0 });
  let keepDir = true;
  writeFileSync(join(dir, 'service.sh'), SERVICE_SCRIPT, { mode: 0o755 });
  writeFileSync(join(dir, 'hastmon.conf'), configText(dir, nodes, o.resources));
  try {
    for (const node of nodes) {
      const log = openSync(join(dir, `${node.name}.log`), 'a');
      try {
        node.child = spawn(process.execPath, [o.launcher, '-F', '-c', join(dir, 'hastmon.conf'), '-N', node.name, '-P', join(dir, `${node.name}.pid`)], {
          cwd: dir,
          env: daemonEnvironment({}),
          stdio: ['ignore', log, log],
        });
      } finally {
        closeSync(log);
      }
      node.pid = node.child.pid ?? 0;
    }
    const settleStart = Date.now();
    while (!settled(dir, nodes, o.resources)) {
      if (Date.now() - settleStart > SETTLE_TIMEOUT_MS) throw new Error(`the cluster did not settle within ${SETTLE_TIMEOUT_MS / 1000} s`);
      if (nodes.some((n) => isGone(n.pid))) throw new Error('a daemon exited while starting');
      await sleep(POLL_MS);
    }
    process.stdout.write(`${o.nodes} nodes x ${o.resources} resources settled in ${((Date.now() - settleStart) / 1000).toFixed(1)} s; load average ${loadAverage()}\n`);
    await sleep(WARM_UP_MS);
    const logStart = nodes.map((n) => logSize(dir, n));
    const before = nodes.map((n) => sampleCpu(n.pid));
    const startedAt = process.hrtime.bigint();
    const loads: string[] = [];
    const windowMs = o.minutes * 60_000;
    const minuteMs = Math.min(60_000, windowMs);
    for (let waited = 0; waited < windowMs; waited += minuteMs) {
      await sleep(Math.min(minuteMs, windowMs - waited));
      loads.push(loadAverage().split(' ')[0] ?? '');
      if (nodes.some((n) => isGone(n.pid))) throw new Error('a daemon exited during the run');
    }
    const elapsedNs = Number(process.hrtime.bigint() - startedAt);
    const after = nodes.map((n) => sampleCpu(n.pid));
    const stillSettled = settled(dir, nodes, o.resources);
    const cpus = nodes.map((_, i) => ((after[i] as CpuSample).cpuNs - (before[i] as CpuSample).cpuNs) / elapsedNs);
    const rss = nodes.map((n) => rssMb(n.pid));
    const sorted = [...cpus].sort((a, b) => a - b);
    const mean = cpus.reduce((a, b) => a + b, 0) / cpus.length;
    process.stdout.write(`window ${(elapsedNs / 60e9).toFixed(1)} min; 1-minute load average each minute: ${loads.join(' ')}; now ${loadAverage()}\n`);
    process.stdout.write(
      `cpu per node: mean ${(mean * 100).toFixed(2)} %, min ${((sorted[0] ?? 0) * 100).toFixed(2)} %, max ${((sorted.at(-1) ?? 0) * 100).toFixed(2)} %; ` +
        `all nodes together ${((mean * cpus.length) * 100).toFixed(1)} % of one core\n`,
    );
    process.stdout.write(`rss per node: ${Math.min(...rss).toFixed(1)}-${Math.max(...rss).toFixed(1)} MB\n`);
    const found = countInstability(dir, nodes, logStart);
    let stable = stillSettled;
    for (const [what, lines] of found) {
      process.stdout.write(`${what}: ${lines.length}\n`);
      for (const line of lines.slice(0, 5)) process.stdout.write(`  ${line}\n`);
      if (lines.length > 0) stable = false;
    }
    process.stdout.write(`${stable ? 'STABLE' : 'NOT STABLE'}: ${stillSettled ? 'every resource still held where it was' : 'not every resource has an agreed holder at the end'}\n`);
    keepDir = !stable;
    if (keepDir) process.stdout.write(`logs kept in ${dir}\n`);
    return stable ? 0 : 1;
  } catch (error) {
    process.stderr.write(`bench/scale: ${(error as Error).message}; logs in ${dir}\n`);
    return 1;
  } finally {
    for (const node of nodes) if (node.pid > 0 && !isGone(node.pid)) signalQuietly(node.pid, 'SIGTERM');
    const deadline = Date.now() + EXIT_TIMEOUT_MS;
    while (nodes.some((n) => n.pid > 0 && !isGone(n.pid)) && Date.now() < deadline) await sleep(100);
    for (const node of nodes) if (node.pid > 0 && !isGone(node.pid)) signalQuietly(node.pid, 'SIGKILL');
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
