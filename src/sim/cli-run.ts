// `npm run sim`: runs a range of seeds (or replays one with its trace) and prints one summary
// line last: `sim: R runs, V safety violations, L liveness failures`.

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { DEFAULT_TIMING, resolveTiming } from '../config/timing.js';
import type { Settings } from '../config/model.js';
import { parseDuration } from '../config/values.js';
import type { Timing } from '../core/types.js';
import type { SoakPlan } from './faults.js';
import { ETCD_MIN_TTL_MS } from '../core/quorum.js';
import { parseLoss, parsePauses } from './soak-options.js';
import { DEFAULT_LIVENESS_BOUND, runBatch, runSimulation, type SimResult } from './run-simulation.js';
import { etcdSimTiming } from './engine.js';

export const USAGE = `usage: npm run sim -- [--seeds N] [--first F] [--seed S] [--nodes K] [--watchdogs W]
                     [--resources R] [--bound HEARTBEATS] [--long-pauses] [--stop-failures]
                     [--no-commands] [--no-found-running] [--timing HB/DEAD/LEASE]
                     [--loss P [--pauses L/E] | --restarts] [--minutes M] [--etcd] [--quiet]
  --seeds N        run seeds F..F+N-1 (default 100)
  --first F        first seed of the range (default 1)
  --seed S         replay one seed and print its step-by-step trace
  --nodes K        service nodes (default 2)
  --watchdogs W    watchdogs (default 1)
  --resources R    resources (default 2)
  --bound H        heartbeats after the heal by which every resource must settle (default ${DEFAULT_LIVENESS_BOUND})
  --long-pauses    also pause nodes longer than the guard: they must stop first on waking
  --stop-failures  let some stops fail (a failed stop blocks its resource: reported as errored)
  --no-commands    no operator commands (by default the fault phase has hup, offline, role and
                   back, clear, and term then a restart, at random nodes and times)
  --no-found-running
                   no services already running when a machine boots (by default some are, at the
                   first boot and after a crash, and the node must adopt or stop them safely)
  --timing T       the cluster's heartbeat_interval/deadtime/lease, e.g. 20ms/100ms/100ms
                   (default: the configuration's defaults)
  --loss P         a soak instead of chaos: only random loss P (0.3 or 30%) on every link for
                   --minutes; prints the self-fences (any of a holder whose voters are up fails)
  --pauses L/E     in a loss soak, also pause every node for L about every E (250ms/30s)
  --restarts       a soak instead of chaos: a healthy network while machines crash and come back
                   and the operator restarts nodes; a holder with its voters up must never stop
  --minutes M      how long a soak lasts (default 10)
  --etcd           etcd is one more voter of every resource, lost, slow and changing leader at
                   times; without --nodes and --watchdogs each seed picks 2 nodes, 3 nodes, or 2
                   nodes and a watchdog; the lease is 2s (etcd's minimum TTL) unless --timing
  --quiet          print only failures and the summary`;

const MAX_LINES_PER_KIND = 5;
/** A soak lasts ten minutes unless told otherwise. */
const DEFAULT_SOAK_MINUTES = 10;

/** Returns the exit code: 0 all good, 1 violations or failures, 2 bad usage. */
export function runCli(argv: string[], print: (line: string) => void): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        seeds: { type: 'string' },
        first: { type: 'string' },
        seed: { type: 'string' },
        nodes: { type: 'string' },
        watchdogs: { type: 'string' },
        resources: { type: 'string' },
        bound: { type: 'string' },
        'long-pauses': { type: 'boolean' },
        'stop-failures': { type: 'boolean' },
        'no-commands': { type: 'boolean' },
        'no-found-running': { type: 'boolean' },
        loss: { type: 'string' },
        restarts: { type: 'boolean' },
        pauses: { type: 'string' },
        minutes: { type: 'string' },
        timing: { type: 'string' },
        etcd: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    print(`sim: ${error instanceof Error ? error.message : String(error)}`);
    print(USAGE);
    return 2;
  }
  if (values.help === true) {
    print(USAGE);
    return 0;
  }
  const numbers: Record<string, number> = {};
  const limits: Record<string, [number, number, number]> = {
    // name: [default, minimum, maximum]
    seeds: [100, 1, 10_000_000],
    first: [1, 0, Number.MAX_SAFE_INTEGER],
    seed: [1, 0, Number.MAX_SAFE_INTEGER],
    nodes: [2, 1, 16],
    watchdogs: [1, 0, 16],
    resources: [2, 1, 8],
    bound: [DEFAULT_LIVENESS_BOUND, 1, 100_000],
  };
  for (const [name, [fallback, min, max]] of Object.entries(limits)) {
    const raw = values[name as keyof typeof values];
    const value = typeof raw === 'string' ? Number(raw) : fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      print(`sim: --${name} must be an integer from ${min} to ${max}, got ${String(raw)}`);
      return 2;
    }
    numbers[name] = value;
  }
  const quiet = values.quiet === true;
  const timing = parseTimingOption(values.timing);
  if (typeof timing === 'string') {
    print(`sim: ${timing}`);
    return 2;
  }
  const soak = parseSoakOptions(values.loss, values.restarts === true, values.minutes, values.pauses);
  if (typeof soak === 'string') {
    print(`sim: ${soak}`);
    return 2;
  }
  const etcd = values.etcd === true;
  if (etcd && timing !== undefined && timing.lease < ETCD_MIN_TTL_MS) {
    print(`sim: --etcd needs a lease of at least ${ETCD_MIN_TTL_MS} ms (etcd's minimum TTL), got ${timing.lease} ms`);
    return 2;
  }
  // With etcd, each seed picks its cluster unless one was asked for.
  const seedPicksCluster = etcd && values.nodes === undefined && values.watchdogs === undefined;
  const shape = {
    ...(timing === undefined ? {} : { timing }),
    ...(soak === undefined ? {} : { soak }),
    ...(etcd ? { etcd: {} } : {}),
    ...(seedPicksCluster ? {} : { nodes: numbers.nodes as number, watchdogs: numbers.watchdogs as number }),
    resources: numbers.resources as number,
    livenessBound: numbers.bound as number,
    longPauses: values['long-pauses'] === true,
    stopFailures: values['stop-failures'] === true,
    commands: values['no-commands'] !== true,
    foundRunning: values['no-found-running'] !== true,
  };
  if (soak !== undefined) {
    // A soak is one kind of trouble only: no services found running; commands only with restarts.
    shape.commands = soak.kind === 'restarts' && values['no-commands'] !== true;
    shape.foundRunning = false;
  }
  if (!etcd && shape.nodes === 2 && shape.watchdogs === 0 && !quiet) {
    print('note: 2 voters: no quorum is possible, so FreeHA\'s rule applies (DESIGN §4.6) and a partition may run a resource twice; safety violations are expected');
  }
  const boundLine = `liveness bound: ${shape.livenessBound} heartbeats (${shape.livenessBound * DEFAULT_TIMING.heartbeatInterval} ms) after the heal`;
  const started = performance.now();

  if (values.seed !== undefined) {
    const seed = numbers.seed as number;
    const result = runSimulation({ ...shape, seed, ...(quiet ? {} : { trace: print }) });
    reportRun(result, print);
    if (!quiet) {
      for (const r of result.resources) print(`${r.resource}: ${r.kind}${r.settledAfter === null ? '' : `, settled ${r.settledAfter.toFixed(0)} ms after the heal`} (${r.detail})`);
      print(boundLine);
    }
    print(summaryLine(1, result.safetyViolations.length, result.livenessFailures.length));
    return result.safetyViolations.length + result.livenessFailures.length > 0 ? 1 : 0;
  }

  let selfFences = 0;
  let unjustified = 0;
  let outageMs = 0;
  const summary = runBatch({
    ...shape,
    first: numbers.first as number,
    count: numbers.seeds as number,
    onResult: (result) => {
      selfFences += result.selfFences.length;
      unjustified += result.selfFences.filter((f) => !f.justified).length;
      outageMs += result.outageMs;
      reportRun(result, print);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (!quiet) {
    print(boundLine);
    print(`slowest settling after the heal: ${summary.slowestSettle.toFixed(0)} ms (${(summary.slowestSettle / DEFAULT_TIMING.heartbeatInterval).toFixed(1)} heartbeats)`);
    print(`closest handover: ${Number.isFinite(summary.closestHandover) ? `${summary.closestHandover.toFixed(1)} ms` : 'none'} (guard ${shapeTiming(shape).guard} ms)`);
    print(`${summary.errored} errored (every service node ERRORED or blocked by a failed stop; not failures)`);
    const x = summary.exercised;
    print(`operator: ${x.commands} commands read, ${x.exits} exits after TERM, ${x.clearedByHand} failed stops cleaned up by hand before clear`);
    print(`found running at start-up: ${x.foundRunning} services, ${x.adoptions} adopted, ${x.excusedFoundOverlaps} starts elsewhere before anyone could know`);
    print(`${summary.runs} runs in ${seconds.toFixed(1)} s`);
  }
  if (soak !== undefined) {
    const paused = soak.kind === 'loss' && soak.pauses !== undefined ? `, every node paused ${soak.pauses.length} ms about every ${soak.pauses.every} ms` : '';
    const what = soak.kind === 'loss' ? `${(soak.loss * 100).toFixed(0)} % loss on every link${paused}` : 'machines crashing and coming back, the operator restarting nodes';
    print(`soak: ${summary.runs} runs of ${(soak.ms / 60_000).toFixed(1)} min each with ${what}, heartbeat ${shapeTiming(shape).heartbeatInterval} ms, lease ${shapeTiming(shape).lease} ms`);
    print(`self-fences: ${selfFences} (${unjustified} of a holder with a quorum of settled voters up, each a failure); outage: ${outageMs.toFixed(0)} ms in all (sampled, every resource)`);
  }
  if (summary.failingSeeds.length > 0) {
    print(`failing seeds: ${summary.failingSeeds.join(' ')} (replay one with --seed S)`);
  }
  print(summaryLine(summary.runs, summary.safetyViolations, summary.livenessFailures));
  return summary.safetyViolations + summary.livenessFailures > 0 ? 1 : 0;
}

function shapeTiming(shape: { timing?: Timing; etcd?: object }): Timing {
  return shape.timing ?? (shape.etcd !== undefined ? etcdSimTiming() : DEFAULT_TIMING);
}

/** `--timing 20ms/100ms/100ms`: heartbeat, deadtime, lease, checked as the configuration checks them. */
function parseTimingOption(text: string | undefined): Timing | string | undefined {
  if (text === undefined) return undefined;
  const parts = text.split('/');
  if (parts.length !== 3) return `--timing expects HEARTBEAT/DEADTIME/LEASE (e.g. 20ms/100ms/100ms), got '${text}'`;
  const names = ['heartbeat_interval', 'deadtime', 'lease'] as const;
  const settings: Settings = {};
  for (const [i, name] of names.entries()) {
    const parsed = parseDuration(parts[i] ?? '', name);
    if (!parsed.ok) return parsed.message;
    settings[name] = { value: parsed.value, line: 0 };
  }
  const { timing, errors } = resolveTiming(settings);
  return errors.length > 0 ? `--timing: ${errors.map((e) => e.message).join('; ')}` : timing;
}

/** `--loss P` (with `--pauses L/E`) or `--restarts`, with `--minutes M` (default 10). */
function parseSoakOptions(loss: string | undefined, restarts: boolean, minutes: string | undefined, pauses: string | undefined): SoakPlan | string | undefined {
  if (pauses !== undefined && loss === undefined) return '--pauses needs --loss';
  if (loss === undefined && !restarts) return minutes === undefined ? undefined : '--minutes needs --loss or --restarts';
  if (loss !== undefined && restarts) return '--loss and --restarts are separate soaks: give one';
  const m = minutes === undefined ? DEFAULT_SOAK_MINUTES : Number(minutes);
  if (!Number.isFinite(m) || m <= 0 || m > 24 * 60) return `--minutes must be a number of minutes from 0 to 1440, got ${minutes}`;
  const ms = m * 60_000;
  if (restarts) return { kind: 'restarts', ms };
  const p = parseLoss(loss ?? '');
  if (p === null) return `--loss must be a fraction from 0 to below 1 or a percentage (0.3 or 30%), got ${loss}`;
  if (pauses === undefined) return { kind: 'loss', loss: p, ms };
  const load = parsePauses(pauses, '--pauses');
  if (typeof load === 'string') return load;
  return { kind: 'loss', loss: p, ms, pauses: load };
}

export function summaryLine(runs: number, violations: number, failures: number): string {
  return `sim: ${runs} runs, ${violations} safety violations, ${failures} liveness failures`;
}

/** A failing run names its seed and what failed; a passing one prints nothing. */
function reportRun(result: SimResult, print: (line: string) => void): void {
  const lines = (kind: string, items: string[]): void => {
    for (const item of items.slice(0, MAX_LINES_PER_KIND)) print(`seed ${result.seed}: ${kind}: ${item}`);
    if (items.length > MAX_LINES_PER_KIND) print(`seed ${result.seed}: ${kind}: … and ${items.length - MAX_LINES_PER_KIND} more`);
  };
  lines(
    'safety',
    result.safetyViolations.map((v) => `${v.resource} at ${v.at.toFixed(1)} ms: ${v.message}`),
  );
  lines('liveness', result.livenessFailures);
}
