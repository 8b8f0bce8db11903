// What hastmon -S prints: the cluster it simulated, then each figure with what it measures, the
// failures with the command line that replays each, and how much it simulated.
import { formatDuration } from '../config/timing.js';
import { isTwoVoterCluster, standardQuorumSize } from '../core/quorum.js';
import type { ClusterPlan } from '../sim/cluster.js';
import type { HolderAct } from '../sim/faults.js';
import { spreadOf } from '../sim/percentiles.js';
import type { ActFigures, WhatIfFailure, WhatIfOptions, WhatIfResult } from '../sim/what-if.js';

/** What was simulated (the simulator's own options) and how to say it again. */
export interface ReportSettings extends Pick<WhatIfOptions, 'trials' | 'soakMs' | 'loss' | 'pauses' | 'scriptTimes' | 'seed'> {
  configPath: string;
  /** The what-if options given, but -R and -r, to repeat in a replay. */
  repeat: readonly string[];
}

/** At most this many failing runs are listed one by one; the rest are counted. */
export const MAX_RUNS_LISTED = 10;

export function describeCluster(cluster: ClusterPlan, s: ReportSettings): string[] {
  const t = cluster.timing;
  const nodes = cluster.nodes.map((n) => (n.watchdog ? `${n.name} (watchdog)` : n.name)).join(', ');
  const lines = [
    `what-if for ${s.configPath}: every node simulated: ${nodes}`,
    `  timing: heartbeat_interval ${formatDuration(t.heartbeatInterval)}, deadtime ${formatDuration(t.deadtime)}, lease ${formatDuration(t.lease)} (guard ${formatDuration(t.guard)})`,
  ];
  for (const r of cluster.resources) {
    const withEtcd = cluster.etcd !== null;
    const voters = r.members.length + (withEtcd ? 1 : 0);
    const rule = isTwoVoterCluster(voters, withEtcd)
      ? "2 voters: no quorum possible, FreeHA's two-node rule (a partition or heavy loss may run it twice)"
      : `quorum ${standardQuorumSize(voters, withEtcd)} of ${voters} voters`;
    const members = [...r.members.map((m) => `${m.node}${m.roleOnStart === 'watchdog' ? '(watchdog)' : ''}`), ...(withEtcd ? ['etcd'] : [])];
    lines.push(`  resource ${r.name}: ${members.join(' ')}; ${rule}`);
  }
  const x = s.scriptTimes;
  lines.push(`  scripts (simulated, -x): start ${formatDuration(x.start)}, stop ${formatDuration(x.stop)}, probe and monitor ${formatDuration(x.check)}`);
  if (s.seed !== undefined) lines.push(`  replaying seed ${s.seed}: one trial of each kind and one soak run`);
  return lines;
}

const ACT_TITLES: Record<HolderAct, { title: string; figure: string; from: string }> = {
  crash: { title: 'kill -9 of the holder (its machine and service gone at once)', figure: 'failover', from: 'the crash' },
  hup: { title: 'HUP of the holder (kill -HUP: it stops the resource and stays up)', figure: 'handover', from: 'the HUP' },
  term: { title: 'TERM of the holder (it stops the resource and exits)', figure: 'handover', from: 'the TERM' },
};

export function reportFigures(result: WhatIfResult, s: ReportSettings): string[] {
  const lines: string[] = [];
  for (const act of ['crash', 'hup', 'term'] as const) {
    const a = ACT_TITLES[act];
    const f = result.acts[act];
    lines.push(`${a.title}, ${count(f.trials, 'trial')} on a healthy network:`);
    lines.push(`  ${a.figure}: ${spreadText(f)}`);
    const stop = act === 'crash' ? '' : `; includes the stop script (${formatDuration(s.scriptTimes.stop)})`;
    lines.push(`    from ${a.from} to the next holder's start script beginning, each resource it ran${stop}`);
    if (f.noTakeover > 0) lines.push(`    and ${f.noTakeover} times no other node began to start it before the trial ended`);
  }
  const soak = result.soak;
  const hours = soak.ms / 3_600_000;
  const pauses = s.pauses.length > 0 ? `each node paused ${formatDuration(s.pauses.length)} about every ${formatGap(s.pauses.every)} (-g)` : 'no pauses';
  lines.push(`soak: ${formatHours(hours)} simulated (${count(soak.runs, 'run')}), ${formatPercent(s.loss)} loss on every link (-p), ${pauses}:`);
  lines.push(`  outage: ${perHour(soak.outageMs / 1000 / Math.max(1, soak.resources), hours)} s per hour per resource`);
  lines.push('    time no node runs the resource while every node is up (a quorum exists): only loss and pauses');
  lines.push(`  self-fences: ${perHour(soak.selfFences, hours)} per hour (${soak.selfFences} in all)`);
  lines.push('    a holder stopping the resource for want of endorsements though no node was down');
  return lines;
}

/**
 * The failures, run by run: what went wrong first in each failing run, its seed and the command
 * line that replays it; then the verdict.
 */
export function reportFailures(failures: readonly WhatIfFailure[], s: ReportSettings): string[] {
  const runs = new Map<string, WhatIfFailure[]>();
  for (const f of failures) {
    const key = `${f.experiment} ${f.seed}`;
    runs.set(key, [...(runs.get(key) ?? []), f]);
  }
  const lines: string[] = [];
  for (const [first, ...rest] of [...runs.values()].slice(0, MAX_RUNS_LISTED)) {
    if (first === undefined) continue;
    const more = rest.length > 0 ? ` (and ${rest.length} more in this run)` : '';
    lines.push(`seed ${first.seed}: ${EXPERIMENT_NAMES[first.experiment]}: ${first.kind === 'safety' ? 'SAFETY VIOLATION' : 'liveness failure'}: ${first.message}${more}`);
    lines.push(`  replay: ${replayCommand(s, first.seed)}`);
  }
  if (runs.size > MAX_RUNS_LISTED) lines.push(`… and ${runs.size - MAX_RUNS_LISTED} more failing runs`);
  const safety = failures.filter((f) => f.kind === 'safety').length;
  lines.push(`safety: ${count(safety, 'violation')} (two holders at once); liveness: ${count(failures.length - safety, 'failure')}`);
  return lines;
}

const EXPERIMENT_NAMES: Record<WhatIfFailure['experiment'], string> = { crash: 'kill -9 trial', hup: 'HUP trial', term: 'TERM trial', soak: 'soak run' };

/** The command line that runs `seed` alone with the same cluster and options (add -d for a trace). */
export function replayCommand(s: ReportSettings, seed: number): string {
  return ['hastmon', '-S', '-c', s.configPath, ...s.repeat, '-r', String(seed)].map(shellWord).join(' ');
}

export function summaryLine(result: WhatIfResult, wallSeconds: number): string {
  const trials = result.acts.crash.trials + result.acts.hup.trials + result.acts.term.trials;
  return `simulated ${count(trials, 'trial')} and ${formatHours(result.soak.ms / 3_600_000)} of soak (${formatHours(result.simulatedMs / 3_600_000)} in all) in ${wallSeconds.toFixed(1)} s`;
}

function spreadText(f: ActFigures): string {
  const spread = spreadOf(f.samples);
  if (spread === null) return 'no samples';
  const ms = (value: number): string => `${Math.round(value)} ms`;
  return `min ${ms(spread.min)}, median ${ms(spread.median)}, p99 ${ms(spread.p99)} (${count(spread.count, 'sample')})`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function perHour(amount: number, hours: number): string {
  return hours > 0 ? (amount / hours).toFixed(1) : '-';
}

function formatHours(hours: number): string {
  return hours >= 1 ? `${Number(hours.toFixed(2))} h` : `${Number((hours * 60).toFixed(1))} min`;
}

function formatGap(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : formatDuration(ms);
}

function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

/** A word as a POSIX shell reads it back: quoted when it holds anything but safe characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
