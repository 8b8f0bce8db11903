// Script runs counted per resource, action and outcome, with their durations. Fed by the daemon as
// runs start, end or are killed; read only when /metrics is scraped.
import { SCRIPT_ACTIONS, STATUS_EXIT_STOPPED, type ScriptAction, type ScriptOutcome } from '../core/types.js';

/**
 * How a run ended: `ok` exit 0; `stopped` a probe's or monitor's exit 1, "not running here" (every
 * standby's start-up probe says so: counted as a failure, it would wake whoever alerts on
 * failures); `failed` another exit status, or a script that could not be started; `timeout`
 * killed at its timeout; `killed` ended by a signal: hastmon's own (a stop overtaking a start,
 * shutdown) or anyone's.
 */
export const SCRIPT_OUTCOMES = ['ok', 'stopped', 'failed', 'timeout', 'killed'] as const;
export type ScriptRunOutcome = (typeof SCRIPT_OUTCOMES)[number];

/**
 * Upper bounds of the duration buckets, in seconds: a status check takes milliseconds, a start
 * up to the 30 s default timeout and longer where one is configured; beyond 2 minutes is +Inf.
 */
export const SCRIPT_DURATION_BUCKETS_SECONDS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The runs of one action of one resource. */
export interface ScriptSeries {
  runs: Record<ScriptRunOutcome, number>;
  /** Runs per bucket (not cumulative); longer than the last bound: only in `count`. */
  buckets: number[];
  sumSeconds: number;
  count: number;
}

interface Pending {
  resource: string;
  action: ScriptAction;
  startedAtMs: number;
}

/** What the runner says of a run that ended by itself. */
export function outcomeOf(action: ScriptAction, outcome: ScriptOutcome, notStarted: boolean): ScriptRunOutcome {
  if (outcome.timedOut) return 'timeout';
  if (outcome.code === 0) return 'ok';
  if (outcome.code === STATUS_EXIT_STOPPED && (action === 'probe' || action === 'monitor')) return 'stopped';
  if (outcome.code === null && !notStarted) return 'killed';
  return 'failed';
}

function emptySeries(): ScriptSeries {
  return {
    runs: { ok: 0, stopped: 0, failed: 0, timeout: 0, killed: 0 },
    buckets: SCRIPT_DURATION_BUCKETS_SECONDS.map(() => 0),
    sumSeconds: 0,
    count: 0,
  };
}

export class ScriptMetrics {
  private readonly series = new Map<string, Map<ScriptAction, ScriptSeries>>();
  /** Runs started and not ended yet, by run id: at most a few per resource. */
  private readonly pending = new Map<number, Pending>();

  started(runId: number, resource: string, action: ScriptAction, nowMs: number): void {
    this.pending.set(runId, { resource, action, startedAtMs: nowMs });
  }

  /** A run ended by itself (the runner's report): its outcome depends on what it was. */
  exited(runId: number, outcome: ScriptOutcome, notStarted: boolean, nowMs: number): void {
    const run = this.pending.get(runId);
    if (run !== undefined) this.ended(runId, outcomeOf(run.action, outcome, notStarted), nowMs);
  }

  ended(runId: number, outcome: ScriptRunOutcome, nowMs: number): void {
    const run = this.pending.get(runId);
    if (run === undefined) return;
    this.pending.delete(runId);
    const series = this.of(run.resource, run.action);
    series.runs[outcome] += 1;
    const seconds = Math.max(0, nowMs - run.startedAtMs) / 1000;
    const bucket = SCRIPT_DURATION_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
    if (bucket >= 0) series.buckets[bucket] = (series.buckets[bucket] ?? 0) + 1;
    series.sumSeconds += seconds;
    series.count += 1;
  }

  /** The series of every action of each of `resources` (zeros for those never run), then any other resource that ran. */
  read(resources: readonly string[]): Array<{ resource: string; action: ScriptAction; series: ScriptSeries }> {
    const names = [...resources, ...[...this.series.keys()].filter((r) => !resources.includes(r))];
    return names.flatMap((resource) =>
      SCRIPT_ACTIONS.map((action) => ({ resource, action, series: this.series.get(resource)?.get(action) ?? emptySeries() })),
    );
  }

  private of(resource: string, action: ScriptAction): ScriptSeries {
    let byAction = this.series.get(resource);
    if (byAction === undefined) {
      byAction = new Map();
      this.series.set(resource, byAction);
    }
    let series = byAction.get(action);
    if (series === undefined) {
      series = emptySeries();
      byAction.set(action, series);
    }
    return series;
  }
}
