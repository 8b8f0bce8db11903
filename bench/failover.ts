// Failover benchmark: a three-node unicast cluster on loopback, two service nodes and a watchdog,
// at each timing given (default: hastmon's default 200ms/1s/1s, then 20ms/100ms/100ms and
// 5ms/20ms/20ms, the fastest the configuration accepts). Every time is a wall-clock time with
// nanoseconds: the record line the new holder's start script writes as it begins, the test's own
// act, and the arrival of each node's heartbeats at a socket of this benchmark, which every node
// lists as one more `remote`. Per trial kind it prints two figures:
//   total     from the act (kill, signal, control request sent) to the new start script beginning;
//   excess    what the issue's targets speak of:
//             crash (kill -9 of the holder's daemon and service): from the last heartbeat of the
//               dead node to the new start script beginning, minus the lease;
//             handover (HUP, TERM, `hastmonctl role init`, `hastmonctl offline`): from the request
//               to the new start script beginning, minus the old holder's stop script (its first
//               record line to its last).
// Between trials it waits for a stable cluster: one holder RUNNING, the other service node
// standing by and voting for it, every state file agreeing.
//
// With --before DIR (another build's tree: its bin/hastmon, dist/ and package.json), each timing is
// measured for that build first, then for this one, in the same run.
//
// Usage: npm run build && tsx bench/failover.ts [--trials N] [--timing HB/DEAD/LEASE[,…]] [--before DIR]
//        (expects dist/ built; builds nothing)
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cluster } from '../src/e2e/cluster.js';
import { freePort, ROOT, sleep } from '../src/e2e/processes.js';
import { sendRequest } from '../src/io/control-client.js';
import type { ControlRequest } from '../src/io/control-protocol.js';
import { parseBenchTiming, type BenchTiming } from './timing-arg.js';

const DEFAULT_TRIALS = 20;
const DEFAULT_TIMINGS = '200ms/1s/1s,20ms/100ms/100ms,5ms/20ms/20ms';
/** Generous bounds: a trial that takes longer is a failure, reported with the cluster's state. */
const TAKEOVER_TIMEOUT_MS = 15_000;
const SETTLE_TIMEOUT_MS = 15_000;
const CONTROL_TIMEOUT_MS = 5_000;
/** `hastmonctl offline` in the trial: long enough to hand over; the trial ends it with `hastmonctl clear`. */
const OFFLINE_SECONDS = 1;

const SERVICE_NODES = ['lolek', 'bolek'] as const;
const WATCHDOG = 'reksio';

function argument(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index === -1 ? undefined : argv[index + 1];
}

function parseTrials(argv: string[]): number {
  const text = argument(argv, '--trials');
  if (text === undefined) return DEFAULT_TRIALS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new Error(`--trials expects a whole number from 1 to 1000, got ${text}`);
  return value;
}

/** min, median, p90 (nearest rank) and max, in milliseconds to a tenth. */
function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number): number => sorted[Math.min(n - 1, Math.max(0, i))] ?? Number.NaN;
  const median = n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  const p90 = at(Math.ceil(0.9 * n) - 1);
  const ms = (v: number): string => v.toFixed(1);
  return `${label}: n=${n} min=${ms(at(0))} median=${ms(median)} p90=${ms(p90)} max=${ms(at(n - 1))} ms`;
}

function otherOf(node: string): string {
  return node === SERVICE_NODES[0] ? SERVICE_NODES[1] : SERVICE_NODES[0];
}

/** Wall-clock milliseconds with a sub-millisecond fraction, comparable with the record's `date +%s.%N`. */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Where each node's heartbeats arrive last: the benchmark's own socket, a `remote` of every node. */
class HeartbeatWatch {
  private readonly lastFrom = new Map<number, number>();
  private constructor(
    readonly port: number,
    private readonly socket: dgram.Socket,
  ) {
    socket.on('message', (_data, from) => this.lastFrom.set(from.port, wallNow()));
  }

  static async open(): Promise<HeartbeatWatch> {
    const port = await freePort();
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    return new HeartbeatWatch(port, socket);
  }

  /** The arrival time of the last heartbeat from the node listening on `listen` (`127.0.0.1:PORT`). */
  lastHeard(listen: string): number | undefined {
    return this.lastFrom.get(Number(listen.split(':')[1]));
  }

  close(): void {
    this.socket.close();
  }
}

interface Figures {
  total: number;
  excess: number;
}

/** Stable: `holder` runs it, the other service node stands by voting for it, and every running node agrees. */
async function settle(cluster: Cluster, holder: string): Promise<void> {
  const standby = otherOf(holder);
  await cluster.waitFor(
    `a stable cluster with ${holder} holding`,
    () => {
      const seen = cluster.resource(standby)?.rows.find((r) => r.self);
      return cluster.agreeOn(holder) && seen?.state === 'STANDBY' && seen.vote === holder;
    },
    SETTLE_TIMEOUT_MS,
  );
}

async function currentHolder(cluster: Cluster): Promise<string> {
  return cluster.waitFor('a holder', () => SERVICE_NODES.find((n) => cluster.agreeOn(n)), SETTLE_TIMEOUT_MS);
}

/**
 * The cluster is found settled by polling its state files, which change right after heartbeats
 * arrive; a random wait of up to one heartbeat interval spreads the act over the heartbeat cycle.
 */
function unsynchronised(cluster: Cluster): Promise<void> {
  return sleep(randomInt(0, cluster.heartbeatMs));
}

async function killTrial(cluster: Cluster, watch: HeartbeatWatch): Promise<Figures> {
  const holder = await currentHolder(cluster);
  const taker = otherOf(holder);
  await unsynchronised(cluster);
  const killedAt = cluster.crash(holder);
  const started = await cluster.waitFor(`${taker} to start after kill -9 of ${holder}`, () => cluster.recordAfter(taker, 'start-begin', killedAt), TAKEOVER_TIMEOUT_MS);
  const lastHeard = watch.lastHeard(cluster.listenAddress(holder));
  if (lastHeard === undefined) throw new Error(`no heartbeat of ${holder} ever reached the benchmark`);
  cluster.start(holder);
  await cluster.waitUntilUp(holder);
  await settle(cluster, taker);
  return { total: started.atMs - killedAt, excess: started.atMs - lastHeard - cluster.leaseMs };
}

/** A planned handover: `act` asks the holder to give the resource away and returns when it asked. */
function handoverTrial(
  label: string,
  act: (cluster: Cluster, holder: string) => Promise<number>,
  restore: (cluster: Cluster, holder: string) => Promise<void> = async () => {},
): (cluster: Cluster) => Promise<Figures> {
  return async (cluster) => {
    const holder = await currentHolder(cluster);
    const taker = otherOf(holder);
    await unsynchronised(cluster);
    const requestedAt = await act(cluster, holder);
    const started = await cluster.waitFor(
      `a start after ${label} on ${holder}`,
      () => cluster.records().find((l) => l.event === 'start-begin' && l.atMs >= requestedAt),
      TAKEOVER_TIMEOUT_MS,
    );
    if (started.node !== taker) throw new Error(`${label} on ${holder} restarted the resource on ${started.node} instead of handing it over to ${taker}`);
    const stopBegin = cluster.recordAfter(holder, 'stop-begin', requestedAt);
    const stopEnd = cluster.recordAfter(holder, 'stop-end', requestedAt);
    if (stopBegin === undefined || stopEnd === undefined) throw new Error(`${holder} handed over after ${label} without a complete stop in the record`);
    await restore(cluster, holder);
    await settle(cluster, taker);
    return { total: started.atMs - requestedAt, excess: started.atMs - requestedAt - (stopEnd.atMs - stopBegin.atMs) };
  };
}

/** Sends `signal` to the daemon; returns the time just before, to the fraction of a millisecond. */
function signalled(cluster: Cluster, node: string, signal: NodeJS.Signals): number {
  const at = wallNow();
  cluster.signal(node, signal);
  return at;
}

/** Sends a control request straight to the daemon's socket (no hastmonctl start-up in the figure). */
async function control(cluster: Cluster, node: string, request: ControlRequest): Promise<number> {
  const at = wallNow();
  const answer = await sendRequest(cluster.path(`${node}.sock`), request, CONTROL_TIMEOUT_MS);
  if (!('ok' in answer) || !answer.ok) throw new Error(`${request.command} on ${node} failed: ${JSON.stringify(answer)}`);
  return at;
}

const TRIALS: Array<[string, (cluster: Cluster, watch: HeartbeatWatch) => Promise<Figures>]> = [
  ['kill -9', killTrial],
  ['HUP', handoverTrial('HUP', async (c, holder) => signalled(c, holder, 'SIGHUP'))],
  [
    'TERM',
    handoverTrial(
      'TERM',
      async (c, holder) => signalled(c, holder, 'SIGTERM'),
      async (c, holder) => {
        await c.waitForExit(holder);
        c.start(holder);
        await c.waitUntilUp(holder);
      },
    ),
  ],
  [
    'role init',
    handoverTrial(
      'role init',
      (c, holder) => control(c, holder, { command: 'role', role: 'init', resources: 'all' }),
      async (c, holder) => void (await control(c, holder, { command: 'role', role: 'secondary', resources: 'all' })),
    ),
  ],
  [
    'offline',
    handoverTrial(
      'offline',
      (c, holder) => control(c, holder, { command: 'offline', seconds: OFFLINE_SECONDS, resources: 'all' }),
      // Eligible again at once: the next trial hands back to this node, and must not measure what
      // is left of its offline period.
      async (c, holder) => void (await control(c, holder, { command: 'clear', resources: 'all' })),
    ),
  ],
];

/** The daemon measured: this tree's, or another build's launcher. */
interface Build {
  label: string;
  launcher?: string;
}

async function runTiming(timing: BenchTiming | undefined, trials: number, build: Build, interrupted: { cluster?: Cluster }): Promise<boolean> {
  const watch = await HeartbeatWatch.open();
  const cluster = await Cluster.create({
    transport: 'unicast',
    nodes: [{ name: SERVICE_NODES[0], priority: 0 }, { name: SERVICE_NODES[1], priority: 1 }, { name: WATCHDOG, watchdog: true }],
    label: 'bench',
    extraRemotes: [`127.0.0.1:${watch.port}`],
    ...(timing === undefined ? {} : { timing }),
    ...(build.launcher === undefined ? {} : { launcher: build.launcher }),
  });
  interrupted.cluster = cluster;
  const t = cluster.timing;
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stdout.write(`${build.label}: timing: heartbeat ${t.heartbeatInterval} ms, deadtime ${t.deadtime} ms, lease ${t.lease} ms; load average ${load}\n`);
  try {
    await cluster.startAll();
    await settle(cluster, SERVICE_NODES[0]);
    // Each series is printed as soon as it is complete, so a failure in the next keeps its figures.
    for (const [label, trial] of TRIALS) {
      const figures: Figures[] = [];
      for (let i = 0; i < trials; i++) {
        const f = await trial(cluster, watch);
        process.stderr.write(`${label} trial ${i + 1}: total ${f.total.toFixed(1)} ms, excess ${f.excess.toFixed(1)} ms\n`);
        figures.push(f);
      }
      const violations = cluster.violations();
      if (violations.length > 0) {
        process.stderr.write(`bench/failover: the record shows two nodes running at once:\n${violations.join('\n')}\n`);
        return false;
      }
      const excessMeaning = label === 'kill -9' ? 'last heartbeat of the dead node -> new start, minus the lease' : 'request -> new start, minus the old stop script';
      process.stdout.write(`  ${summary(`${label} total`.padEnd(18), figures.map((f) => f.total))}\n`);
      process.stdout.write(`  ${summary(`${label} excess`.padEnd(18), figures.map((f) => f.excess))}   (${excessMeaning})\n`);
    }
    return true;
  } catch (error) {
    process.stderr.write(`bench/failover: ${(error as Error).message}\n${cluster.diagnostics()}\n`);
    return false;
  } finally {
    watch.close();
    await cluster.destroy();
    delete interrupted.cluster;
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const trials = parseTrials(argv);
  const timings = (argument(argv, '--timing') ?? DEFAULT_TIMINGS).split(',').map((text) => parseBenchTiming(text));
  const beforeDir = argument(argv, '--before');
  const builds: Build[] = [{ label: 'this build' }];
  if (beforeDir !== undefined) {
    const launcher = join(resolve(beforeDir), 'bin', 'hastmon');
    if (!existsSync(launcher)) {
      process.stderr.write(`bench/failover: --before ${beforeDir}: no bin/hastmon there\n`);
      return 1;
    }
    builds.unshift({ label: `before (${resolve(beforeDir)})`, launcher });
  }
  if (!existsSync(join(ROOT, 'dist', 'cli', 'hastmon.js'))) {
    process.stderr.write('bench/failover: dist/cli/hastmon.js is missing: run npm run build first\n');
    return 1;
  }
  process.stdout.write(
    'total: the act (kill, signal, control request sent) -> the new start script begins\n' +
      'excess: kill -9: the dead node\'s last heartbeat -> new start, minus the lease; handover: request -> new start, minus the old stop script\n',
  );
  // Ctrl-C or TERM: clean up everything at once rather than after the trial under way.
  const interrupted: { cluster?: Cluster } = {};
  const onInterrupt = (): void => {
    process.stderr.write('bench/failover: interrupted\n');
    void (interrupted.cluster?.destroy() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    for (const timing of timings) {
      for (const build of builds) if (!(await runTiming(timing, trials, build, interrupted))) return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

process.exitCode = await main();
