// Summing up measured durations the way an operator reads them: the best case, the usual case,
// and the bad case that still happens once in a hundred.

export interface Spread {
  count: number;
  min: number;
  median: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (each figure is one of the samples); null without samples. */
export function spreadOf(samples: readonly number[]): Spread | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
  return { count: sorted.length, min: sorted[0] as number, median: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] as number };
}
