// Failover benchmark: a three-node unicast cluster on loopback at the default timing (heartbeat
// 200 ms, deadtime 1 s), two service nodes and a watchdog. It measures, from the test's own act to
// the new holder's start script writing its record line (a wall-clock time with nanoseconds):
//   kill -9  of the holder (its host "dies": daemon and service), then restarts the killed node;
//   HUP      on the holder (fail back to the other node, clean handover).
// Between trials it waits for a stable cluster: one holder RUNNING, the other service node
// standing by and voting for it, every state file agreeing.
//
// Usage: npm run build && tsx bench/failover.ts [--trials N]   (expects dist/ built; builds nothing)
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../src/e2e/cluster.js';
import { ROOT, sleep } from '../src/e2e/processes.js';

const DEFAULT_TRIALS = 20;
/** Generous bounds: a trial that takes longer is a failure, reported with the cluster's state. */
const TAKEOVER_TIMEOUT_MS = 15_000;
const SETTLE_TIMEOUT_MS = 15_000;

const SERVICE_NODES = ['lolek', 'bolek'] as const;
const WATCHDOG = 'reksio';

function parseTrials(argv: string[]): number {
  const index = argv.indexOf('--trials');
  if (index === -1) return DEFAULT_TRIALS;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new Error(`--trials expects a whole number from 1 to 1000, got ${argv[index + 1]}`);
  return value;
}

/** min, median, p90 (nearest rank) and max, in whole milliseconds. */
function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number): number => sorted[Math.min(n - 1, Math.max(0, i))] ?? Number.NaN;
  const median = n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  const p90 = at(Math.ceil(0.9 * n) - 1);
  const ms = (v: number): string => String(Math.round(v));
  return `${label}: n=${n} min=${ms(at(0))} median=${ms(median)} p90=${ms(p90)} max=${ms(at(n - 1))} ms`;
}

/** One line per trial on stderr, so a long run shows it is alive and a failed run keeps its figures. */
function progress(label: string, index: number, ms: number): number {
  process.stderr.write(`${label} trial ${index + 1}: ${Math.round(ms)} ms\n`);
  return ms;
}

function otherOf(node: string): string {
  return node === SERVICE_NODES[0] ? SERVICE_NODES[1] : SERVICE_NODES[0];
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

async function killTrial(cluster: Cluster): Promise<number> {
  const holder = await currentHolder(cluster);
  const taker = otherOf(holder);
  await unsynchronised(cluster);
  const killedAt = cluster.crash(holder);
  const started = await cluster.waitFor(`${taker} to start after kill -9 of ${holder}`, () => cluster.recordAfter(taker, 'start-begin', killedAt), TAKEOVER_TIMEOUT_MS);
  cluster.start(holder);
  await cluster.waitUntilUp(holder);
  await settle(cluster, taker);
  return started.atMs - killedAt;
}

async function hupTrial(cluster: Cluster): Promise<number> {
  const holder = await currentHolder(cluster);
  const taker = otherOf(holder);
  await unsynchronised(cluster);
  const signalledAt = cluster.signal(holder, 'SIGHUP');
  const started = await cluster.waitFor(
    `a start after HUP on ${holder}`,
    () => cluster.records().find((l) => l.event === 'start-begin' && l.atMs >= signalledAt),
    TAKEOVER_TIMEOUT_MS,
  );
  if (started.node !== taker) throw new Error(`HUP on ${holder} restarted the resource on ${started.node} instead of handing it over to ${taker}`);
  await settle(cluster, taker);
  return started.atMs - signalledAt;
}

async function main(): Promise<number> {
  const trials = parseTrials(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'cli', 'hastmon.js'))) {
    process.stderr.write('bench/failover: dist/cli/hastmon.js is missing: run npm run build first\n');
    return 1;
  }
  const cluster = await Cluster.create({
    transport: 'unicast',
    nodes: [{ name: SERVICE_NODES[0], priority: 0 }, { name: SERVICE_NODES[1], priority: 1 }, { name: WATCHDOG, watchdog: true }],
    label: 'bench',
  });
  // Ctrl-C or TERM: clean up everything at once rather than after the trial under way.
  const onInterrupt = (): void => {
    process.stderr.write('bench/failover: interrupted\n');
    void cluster.destroy().finally(() => process.exit(130));
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    await cluster.startAll();
    await settle(cluster, SERVICE_NODES[0]);
    // Each series is printed as soon as it is complete, so a failure in the next keeps its figures.
    const series: Array<[string, (c: Cluster) => Promise<number>]> = [
      ['kill -9', killTrial],
      ['HUP', hupTrial],
    ];
    for (const [label, trial] of series) {
      const samples: number[] = [];
      for (let i = 0; i < trials; i++) samples.push(progress(label, i, await trial(cluster)));
      const violations = cluster.violations();
      if (violations.length > 0) {
        process.stderr.write(`bench/failover: the record shows two nodes running at once:\n${violations.join('\n')}\n`);
        return 1;
      }
      process.stdout.write(`${summary(label, samples)}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`bench/failover: ${(error as Error).message}\n${cluster.diagnostics()}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await cluster.destroy();
  }
}

process.exitCode = await main();
