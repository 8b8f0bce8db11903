// The daemon idles between small steps: V8's optimizing compiler buys it nothing measurable (idle
// CPU per node the same within noise, bench/idle.ts) but its compiled code, feedback vectors and
// the compiler's own pages of the node binary cost about 6 MB of resident memory. Lite mode gives
// that back; it must be set before the daemon's modules load (later, it saves a third of that).
// `hastmon -S` simulates hours of a cluster and needs the compiler: it keeps it.
import { setFlagsFromString } from 'node:v8';
import { getopt } from './getopt.js';
import { HASTMON_GETOPT } from './hastmon-getopt.js';

/** Whether hastmon's arguments ask for the simulator (`-S`), which computes instead of idling. */
export function wantsCompiler(argv: readonly string[]): boolean {
  const parsed = getopt(argv, HASTMON_GETOPT);
  return parsed.ok && parsed.options.some((o) => o.letter === 'S');
}

/** Called by the launcher before it loads the command. */
export function chooseMemoryMode(argv: readonly string[]): void {
  if (!wantsCompiler(argv)) setFlagsFromString('--lite-mode');
}
