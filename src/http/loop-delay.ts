// Event-loop delay, from node:perf_hooks' monitorEventLoopDelay: how late the loop ran its timers.
// A scrape sees the current window and the one before it, so always the last 30 to 60 seconds.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The monitor's sampling period: fine enough to see a late heartbeat (200 ms), cheap when idle. */
export const LOOP_DELAY_RESOLUTION_MS = 20;
/** How long one window lasts before it becomes "the previous one". */
export const LOOP_DELAY_WINDOW_MS = 30_000;

export interface LoopDelaySeconds {
  p99: number;
  max: number;
}

export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram;
  private previous: LoopDelaySeconds = { p99: 0, max: 0 };
  private rotation: NodeJS.Timeout | undefined;

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  }

  start(): void {
    this.histogram.enable();
    this.rotation = setInterval(() => {
      this.previous = this.current();
      this.histogram.reset();
    }, LOOP_DELAY_WINDOW_MS);
    this.rotation.unref();
  }

  stop(): void {
    if (this.rotation !== undefined) clearInterval(this.rotation);
    this.histogram.disable();
  }

  /** The worse of the current and the previous window. */
  read(): LoopDelaySeconds {
    const now = this.current();
    return { p99: Math.max(now.p99, this.previous.p99), max: Math.max(now.max, this.previous.max) };
  }

  private current(): LoopDelaySeconds {
    // The histogram is in nanoseconds and includes the sampling period itself; with no sample yet it reports 0s.
    if (this.histogram.count === 0) return { p99: 0, max: 0 };
    const delay = (ns: number): number => Math.max(0, ns / 1e9 - LOOP_DELAY_RESOLUTION_MS / 1000);
    return { p99: delay(this.histogram.percentile(99)), max: delay(this.histogram.max) };
  }
}
