// Signal handlers only record the signal; the daemon's loop acts on it (as ntpd does), so no
// handler ever runs in the middle of a step of the core.

export type ControlSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2' | 'SIGTERM' | 'SIGINT';

export const CONTROL_SIGNALS: readonly ControlSignal[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT'];

export class SignalFlags {
  private readonly received: ControlSignal[] = [];
  private wake: (() => void) | undefined;
  private installed = false;

  /**
   * Installed first thing at start (src/cli/early-signals.ts), before anything slow: until then a
   * SIGUSR1 opens Node's inspector and a HUP or TERM kills the process. Signals that arrive before
   * the daemon is ready wait here; the handlers stay until the process exits.
   */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    for (const signal of CONTROL_SIGNALS) {
      // Node keeps SIGUSR1 for its inspector unless a listener is installed; this one replaces it.
      process.on(signal, () => {
        this.received.push(signal);
        this.wake?.();
      });
    }
  }

  /** `wake` is called after each signal (and at once if some are waiting) to get the loop to look. */
  wakeWith(wake: () => void): void {
    this.wake = wake;
    if (this.received.length > 0) wake();
  }

  /** The daemon is gone: signals are recorded but nobody is woken any more. */
  stopWaking(): void {
    this.wake = undefined;
  }

  /** The signals received since the last call, in order. */
  drain(): ControlSignal[] {
    return this.received.splice(0, this.received.length);
  }
}

/** The one set of flags of this process. */
export const controlSignals = new SignalFlags();
