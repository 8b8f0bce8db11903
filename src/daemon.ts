// Placeholder for the daemon loop: the daemon work replaces this file with the real loop,
// keeping the signature that src/cli/hastmon.ts calls.
import type { DaemonOptions } from './cli/args.js';
import { EX_SOFTWARE } from './cli/exit-codes.js';

export async function runDaemon(_options: DaemonOptions): Promise<number> {
  process.stderr.write('hastmon: the daemon is not built yet\n');
  return EX_SOFTWARE;
}
