// `npm run bench:config`: how long checking a configuration takes as it grows, in the two shapes
// that were once quadratic (many resources of one pair of nodes; many resources of as many pairs).
// Prints, for each size, the best of five runs, and how much longer ten times the file takes:
// about ten when the check is linear (somewhat more as the collector's share grows), a hundred
// when some step compares every pair.
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/parse.js';

const SIZES = [1_000, 2_500, 5_000, 10_000];
const RUNS = 5;

function onePair(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`resource r${i} {`, '  exec /etc/r.sh', '  on a {', '  }', '  on b {', '  }', '}');
  return `${lines.join('\n')}\n`;
}

function manyPairs(n: number): string {
  return Array.from({ length: n }, (_, i) => `resource r${i} {\n  exec /etc/r.sh\n  on a${i} {\n  }\n  on b${i} {\n  }\n}\n`).join('');
}

function bestOf(text: string): number {
  let best = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    parseConfig(text, 'hastmon.conf');
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

for (const [shape, make] of [['one pair of nodes', onePair], ['as many pairs of nodes', manyPairs]] as const) {
  const times = SIZES.map((n) => bestOf(make(n)));
  const cells = SIZES.map((n, i) => `${n} resources ${(times[i] ?? 0).toFixed(0)} ms`).join(', ');
  const growth = (times[SIZES.length - 1] ?? 0) / (times[0] ?? 1);
  console.log(`checking a file of ${shape} (best of ${RUNS}): ${cells}; ten times the file takes ${growth.toFixed(1)} times as long`);
}
