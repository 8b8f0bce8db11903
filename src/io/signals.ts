// Signal handlers only record the signal; the daemon's loop acts on it (as ntpd does), so no
// handler ever runs in the middle of a step of the core.

export type ControlSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2' | 'SIGTERM' | 'SIGINT';

export const CONTROL_SIGNALS: readonly ControlSignal[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT'];

export class SignalFlags {
  private readonly received: ControlSignal[] = [];
  private readonly handlers = new Map<ControlSignal, () => void>();

  /** `wake` is called after a signal was recorded, to get the loop to look at the flags soon. */
  install(wake: () => void): void {
    for (const signal of CONTROL_SIGNALS) {
      // Node keeps SIGUSR1 for its inspector unless a listener is installed; this one replaces it.
      const handler = (): void => {
        this.received.push(signal);
        wake();
      };
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  uninstall(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }

  /** The signals received since the last call, in order. */
  drain(): ControlSignal[] {
    return this.received.splice(0, this.received.length);
  }
}
