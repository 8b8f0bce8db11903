// From the command line to this node's configuration: the file of -c or the default path, or
// freehad mode when no file is at the default path.
import { shortGuardWarning } from '../config/timing.js';
import { DEFAULT_EXPECTED_NODES, DEFAULT_SCRIPT_DIR } from '../config/defaults.js';
import { formatConfigError } from '../config/errors.js';
import { defaultConfig } from '../config/freehad.js';
import { loadConfigFile } from '../config/load.js';
import type { NodeConfig } from '../config/model.js';
import { resolveForNode } from '../config/resolve.js';
import type { HastmonArgs } from './args.js';
import { EX_CONFIG } from './exit-codes.js';

export type ConfigureResult =
  | { ok: true; configPath: string | null; config: NodeConfig; warnings: string[] }
  | { ok: false; code: number; messages: string[] };

export interface ConfigureContext {
  /** Read when `-c` is not given. */
  defaultConfigPath: string;
  /** The node name when `-N` is not given. */
  defaultNodeName: string;
}

export async function configure(args: HastmonArgs, context: ConfigureContext): Promise<ConfigureResult> {
  const node = args.nodeName ?? context.defaultNodeName;
  const path = args.configPath ?? context.defaultConfigPath;
  const loaded = await loadConfigFile(path);
  if (loaded === null) {
    if (args.configPath !== undefined) {
      return { ok: false, code: EX_CONFIG, messages: [formatConfigError({ file: path, line: 0, message: 'configuration file not found' })] };
    }
    const config = defaultConfig({
      node,
      scriptDir: args.scriptDir ?? DEFAULT_SCRIPT_DIR,
      expectedNodes: args.expectedNodes ?? DEFAULT_EXPECTED_NODES,
      tuning: args.tuning,
    });
    return { ok: true, configPath: null, config: withStateFile(config, args), warnings: [] };
  }
  if (!loaded.ok) return { ok: false, code: EX_CONFIG, messages: loaded.errors.map(formatConfigError) };
  const resolved = resolveForNode(loaded.config, node);
  if (!resolved.ok) return { ok: false, code: EX_CONFIG, messages: resolved.errors.map(formatConfigError) };
  const warnings: string[] = [];
  if (args.scriptDir !== undefined) warnings.push(`-s is ignored: ${path} names each resource's scripts`);
  if (args.expectedNodes !== undefined) warnings.push(`-n is ignored: ${path} names the nodes`);
  if (Object.keys(args.tuning ?? {}).length > 0) warnings.push(`-A, -C, -D, -E and -I are ignored: ${path} sets them`);
  const guard = shortGuardWarning(resolved.config.timing);
  if (guard !== null) warnings.push(`${path}: ${guard}`);
  return { ok: true, configPath: path, config: withStateFile(resolved.config, args), warnings };
}

function withStateFile(config: NodeConfig, args: HastmonArgs): NodeConfig {
  return args.stateFile === undefined ? config : { ...config, stateFile: args.stateFile };
}
