// hastmon -S: read the configuration file as the daemon does, resolve it for every node it names
// (not only this host), and run those nodes' cores under the simulator (src/sim/what-if.ts).
// No sockets, no scripts, no root: only the file is read.
import { performance } from 'node:perf_hooks';
import { toCoreConfig } from '../config/core-config.js';
import { formatConfigError, sortConfigErrors, type ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import { clusterNodes } from '../config/lookup.js';
import { resolveForNode } from '../config/resolve.js';
import type { CoreConfig } from '../core/types.js';
import { givenCluster } from '../sim/cluster.js';
import { DEFAULT_LOSS, DEFAULT_PAUSES, DEFAULT_SCRIPT_TIMES, DEFAULT_TRIALS } from '../sim/what-if-defaults.js';
import { defaultSoakMs, runWhatIf, type WhatIfOptions } from '../sim/what-if.js';
import type { CoreFactory } from '../sim/sim-core.js';
import type { HastmonArgs } from './args.js';
import { EX_CONFIG, EX_DATAERR, EX_OK } from './exit-codes.js';
import type { WhatIfArgs } from './what-if-args.js';
import { describeCluster, reportFailures, reportFigures, summaryLine, type ReportSettings } from './what-if-report.js';

export interface WhatIfIo {
  stdout(text: string): void;
  stderr(text: string): void;
  defaultConfigPath: string;
  /** Tests run a weakened core; the command runs the real one. */
  coreFactory?: CoreFactory;
}

/** Resolves to the exit status: 0, EX_DATAERR when a run failed a check, EX_CONFIG for a bad file. */
export async function runWhatIfMode(args: HastmonArgs, whatIf: WhatIfArgs, io: WhatIfIo): Promise<number> {
  const configPath = args.configPath ?? io.defaultConfigPath;
  const configs = await coreConfigsOf(configPath);
  if (!configs.ok) {
    io.stderr(configs.errors.map((e) => `${formatConfigError(e)}\n`).join(''));
    return EX_CONFIG;
  }
  if (args.nodeName !== undefined) io.stderr('hastmon: warning: -N is ignored with -S: every node of the file is simulated\n');
  if (args.debug > 0 && whatIf.seed === undefined) io.stderr('hastmon: warning: -d traces a replay only: give it with -r SEED\n');

  const cluster = givenCluster(configs.configs);
  const scriptTimes = whatIf.scripts === undefined ? DEFAULT_SCRIPT_TIMES : { ...DEFAULT_SCRIPT_TIMES, ...whatIf.scripts };
  const settings: ReportSettings = {
    configPath,
    trials: whatIf.trials ?? DEFAULT_TRIALS,
    soakMs: whatIf.soakMs ?? defaultSoakMs(cluster),
    loss: whatIf.loss ?? DEFAULT_LOSS,
    pauses: whatIf.pauses ?? DEFAULT_PAUSES,
    scriptTimes,
    ...(whatIf.seed === undefined ? {} : { seed: whatIf.seed }),
    repeat: whatIf.repeat,
  };
  const print = (line: string): void => io.stdout(`${line}\n`);
  describeCluster(cluster, settings).forEach(print);
  const options: WhatIfOptions = {
    cluster,
    trials: settings.trials,
    soakMs: settings.soakMs,
    loss: settings.loss,
    pauses: settings.pauses,
    scriptTimes,
    ...(whatIf.seed === undefined ? {} : { seed: whatIf.seed }),
    ...(io.coreFactory === undefined ? {} : { coreFactory: io.coreFactory }),
    ...(args.debug > 0 && whatIf.seed !== undefined ? { trace: print } : {}),
  };
  const started = performance.now();
  const result = runWhatIf(options);
  const seconds = (performance.now() - started) / 1000;
  reportFigures(result, settings).forEach(print);
  reportFailures(result.failures, settings).forEach(print);
  print(summaryLine(result, seconds));
  return result.failures.length > 0 ? EX_DATAERR : EX_OK;
}

type Configs = { ok: true; configs: CoreConfig[] } | { ok: false; errors: ConfigError[] };

/** Every node the file names, resolved as that node's daemon would resolve it. */
async function coreConfigsOf(path: string): Promise<Configs> {
  const loaded = await loadConfigFile(path);
  if (loaded === null) return { ok: false, errors: [{ file: path, line: 0, message: 'configuration file not found: -S simulates the nodes a configuration file names' }] };
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const configs: CoreConfig[] = [];
  const errors = new Map<string, ConfigError>();
  for (const node of clusterNodes(loaded.config)) {
    const resolved = resolveForNode(loaded.config, node);
    if (resolved.ok) configs.push(toCoreConfig(resolved.config, { forceStart: false }));
    // One mistake may show for several nodes: say it once.
    else for (const e of resolved.errors) errors.set(formatConfigError(e), e);
  }
  if (errors.size > 0) return { ok: false, errors: sortConfigErrors([...errors.values()]) };
  if (configs.length === 0) return { ok: false, errors: [{ file: path, line: 0, message: 'names no node to simulate' }] };
  return { ok: true, configs };
}
