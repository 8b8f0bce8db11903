// Summaries of samples: median, minimum, maximum and the 90th percentile (nearest rank).

export interface Summary {
  n: number;
  min: number;
  median: number;
  p90: number;
  max: number;
}

export function summarise(samples: readonly number[]): Summary | undefined {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return undefined;
  const at = (i: number): number => sorted[Math.min(n - 1, Math.max(0, i))] ?? Number.NaN;
  const median = n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  return { n, min: at(0), median, p90: at(Math.ceil(0.9 * n) - 1), max: at(n - 1) };
}
