// V8's lite mode or its optimizing compilers, chosen by the launcher before the daemon's modules
// load (V8 takes lite mode only then: set later, it saves a third of what it saves now, and a lite
// process cannot turn the compilers back on).
//
// A small cluster idles between small steps: there the compilers buy nothing (idle CPU per node
// the same or lower in lite mode, bench/idle.ts) while their code, feedback vectors and the
// compiler's own pages of the node binary cost about 6 MB of resident memory. A large one does not
// idle: every heartbeat heard carries a report of every resource, and interpreted, that work no
// longer fits (bench/scale.ts: 16 nodes × 32 resources on one 2-core machine ran event loops 100 ms
// and more late in lite mode, and stayed stable for 5 minutes with the compilers).
// `hastmon -S` simulates hours of a cluster: it always keeps the compilers.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { DEFAULT_CONFIG_PATH } from '../config/defaults.js';
import type { ClusterConfig } from '../config/model.js';
import { parseConfig } from '../config/parse.js';
import { getopt } from './getopt.js';
import { HASTMON_GETOPT } from './hastmon-getopt.js';

/**
 * Given to node by the launcher's first line and by a background start to its child (V8 sizes its
 * young generation when the process starts, never later): the young generation's semi-spaces stay
 * at 1 MB. Left to grow, they reach 2 MB each within minutes of a daemon's life, about 3 MB more
 * resident memory for nothing: an idle daemon allocates some 200 KB a second, so the one more
 * scavenge this costs every few seconds takes well under a millisecond.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=1';

/** Node's options for a new daemon process: this one's, and the young generation's size if missing. */
export function daemonNodeOptions(execArgv: readonly string[]): string[] {
  const name = YOUNG_GENERATION_FLAG.split('=')[0] as string;
  return execArgv.some((o) => o.startsWith(`${name}=`) || o === name) ? [...execArgv] : [...execArgv, YOUNG_GENERATION_FLAG];
}

/**
 * From this many resource reports heard per heartbeat interval on, the daemon keeps V8's
 * optimizing compilers. Measured with bench/scale.ts at the default timing, CPU and RSS per node,
 * lite mode against the compilers: 4 nodes × 4 resources (12 reports) 2.8 % and 52 MB against
 * 2.0 % and 65 MB, where the memory is worth more; 8 × 8 (56 reports) 7.1 % against 3.0 %, and
 * 16 × 32 (480) unstable against stable, where it is not.
 */
export const COMPILER_FROM_REPORTS_PER_INTERVAL = 16;

/**
 * The resource reports a node hears in one heartbeat interval at most: per resource, one in the
 * heartbeat of every other node it names. It measures the work per interval of a busy node.
 */
export function reportsPerInterval(config: Pick<ClusterConfig, 'resources'>): number {
  let reports = 0;
  for (const resource of config.resources) reports += Math.max(0, resource.nodes.length - 1);
  return reports;
}

/**
 * Whether hastmon's arguments ask for the simulator (`-S`), or name a configuration large enough
 * to need the compilers. `read` returns the file's text, or throws (no file, unreadable: the
 * command reports that itself, later; here it means a small cluster).
 */
export function wantsCompiler(argv: readonly string[], read: (path: string) => string = (path) => readFileSync(path, 'utf8')): boolean {
  const parsed = getopt(argv, HASTMON_GETOPT);
  if (!parsed.ok) return false;
  if (parsed.options.some((o) => o.letter === 'S')) return true;
  const path = parsed.options.filter((o) => o.letter === 'c').pop()?.value ?? DEFAULT_CONFIG_PATH; // the last -c counts, as in args.ts
  let text: string;
  try {
    text = read(path);
  } catch {
    return false;
  }
  const result = parseConfig(text, path);
  return result.ok && reportsPerInterval(result.config) >= COMPILER_FROM_REPORTS_PER_INTERVAL;
}

/** Called by the launcher before it loads the command. */
export function chooseMemoryMode(argv: readonly string[]): void {
  if (!wantsCompiler(argv)) setFlagsFromString('--lite-mode');
}
