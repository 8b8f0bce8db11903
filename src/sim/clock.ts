// A node's monotonic clock in simulated real time: local = offset + rate * real. The rate is
// the node's drift (within ±maxClockDrift of 1), the offset whatever the machine counted from.

export class DriftingClock {
  constructor(
    readonly offset: number,
    readonly rate: number,
  ) {
    if (!(rate > 0)) throw new Error(`clock rate must be positive, got ${rate}`);
  }

  localAt(real: number): number {
    return this.offset + this.rate * real;
  }

  /**
   * The earliest real time, not before `notBefore`, at which the local clock reads at least
   * `local`. Division can land a hair short, so step up until the clock really reads it.
   */
  realWhen(local: number, notBefore: number): number {
    let real = Math.max((local - this.offset) / this.rate, notBefore);
    // Rounding can leave the clock a hair short of `local` (also at notBefore): creep up, doubling.
    let step = Math.max(Math.abs(real) * Number.EPSILON, Number.MIN_VALUE);
    for (let i = 0; i < 2100 && this.localAt(real) < local; i++) {
      real += step;
      step *= 2;
    }
    return real;
  }

  /** A local duration (a timeout the shell measures) as real time. */
  realDuration(localMs: number): number {
    return localMs / this.rate;
  }
}
