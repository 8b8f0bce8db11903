import { REJECTIONS } from './decode.js';

/**
 * Every reason a received datagram is dropped: decoding, replay, an incarnation further ahead than
 * a clock can be, a sender that is not a peer (PeerAdmission), or a source outside `friends`.
 */
export const DROP_REASONS = [
  ...REJECTIONS,
  'duplicate',
  'stale',
  'old-incarnation',
  'future-incarnation',
  'unknown-node',
  'not-friend',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/** Whether to write a log line now, and how many drops of that reason went unlogged since the last one. */
export type LogDecision = { log: true; suppressed: number } | { log: false };

/** One line per reason per 10 s: a flood of garbage must not flood the log too. */
export const DEFAULT_LOG_INTERVAL_MS = 10_000;

interface LogState {
  lastLoggedAt: number;
  suppressed: number;
}

/** Dropped datagrams, counted by reason, with a rate limit for logging them. Pure: time is passed in. */
export class DropCounters {
  private readonly counts = new Map<DropReason, number>();
  private readonly logs = new Map<DropReason, LogState>();

  constructor(private readonly logIntervalMs: number = DEFAULT_LOG_INTERVAL_MS) {}

  record(reason: DropReason): void {
    this.counts.set(reason, this.count(reason) + 1);
  }

  count(reason: DropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Every reason with a non-zero count, in DROP_REASONS order (for status output). */
  nonZero(): { reason: DropReason; count: number }[] {
    return DROP_REASONS.filter((reason) => this.count(reason) > 0).map((reason) => ({ reason, count: this.count(reason) }));
  }

  /**
   * Call once per drop to be logged; `now` is a monotonic time in milliseconds. Allows the first
   * drop of a reason and then at most one per interval; the others are only counted as suppressed.
   */
  shouldLog(reason: DropReason, now: number): LogDecision {
    const state = this.logs.get(reason);
    if (state && now - state.lastLoggedAt < this.logIntervalMs) {
      state.suppressed++;
      return { log: false };
    }
    this.logs.set(reason, { lastLoggedAt: now, suppressed: 0 });
    return { log: true, suppressed: state?.suppressed ?? 0 };
  }
}
