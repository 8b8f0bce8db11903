// Whether a change to the core left its behaviour exactly as it was: runs the simulator of a tree
// (this one, or --tree DIR) over a batch of seeds and replays a set of seeds with their full
// step-by-step traces, in several cluster shapes, and writes everything it printed to one file.
// Two trees' files must then be byte-identical (`diff before.txt after.txt`). Only the lines that
// report how long the runs took are left out, since they differ from run to run.
//
// Usage: tsx bench/sim-same.ts --out FILE [--tree DIR] [--seeds 300] [--traces 20]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { argument } from './proc-sample.js';

/** The modes whose traces are compared, as `npm run sim` arguments. */
const MODES: readonly string[][] = [[], ['--etcd'], ['--nodes', '3', '--watchdogs', '2', '--resources', '3'], ['--long-pauses']];

/** A line that only says how long the run took. */
const TIMING_LINE = /^\d+ runs in [\d.]+ s$/;

type RunCli = (argv: string[], print: (line: string) => void) => number;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const out = argument(argv, '--out');
  if (out === undefined) throw new Error('--out FILE is required');
  const tree = resolve(argument(argv, '--tree') ?? '.');
  const seeds = Number(argument(argv, '--seeds') ?? 300);
  const traces = Number(argument(argv, '--traces') ?? 20);
  if (!Number.isInteger(seeds) || seeds < 0 || !Number.isInteger(traces) || traces < 0) throw new Error('--seeds and --traces expect whole numbers');
  const { runCli } = (await import(join(tree, 'src', 'sim', 'cli-run.ts'))) as { runCli: RunCli };
  const lines: string[] = [];
  const run = (args: string[]): void => {
    lines.push(`=== sim ${args.join(' ')}`);
    const code = runCli(args, (line) => {
      if (!TIMING_LINE.test(line)) lines.push(line);
    });
    lines.push(`=== exit ${code}`);
  };
  if (seeds > 0) for (const mode of MODES) run([...mode, '--seeds', String(seeds)]);
  for (const mode of MODES) for (let seed = 1; seed <= traces; seed++) run([...mode, '--seed', String(seed)]);
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stdout.write(`${tree}: ${lines.length} lines written to ${out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`sim-same: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
