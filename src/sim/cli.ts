// `npm run sim` (tsx src/sim/cli.ts): see cli-run.ts.

import { runCli } from './cli-run.js';

process.exitCode = runCli(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
